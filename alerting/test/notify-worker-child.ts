/**
 * Test child: runs alerting's workers in their own process so a test can SIGKILL it mid-send, or
 * (with `dieOn`) so that it dies by itself while it applies a record taking that interface to that
 * state — after the record went into the device's inbox, holding the device lock, as a worker that
 * crashes mid-job. Config comes as JSON in WANWATCH_TEST_ALERTING_CHILD. Test code only.
 */
import { InfluxDB } from 'influx';
import { pino } from 'pino';
import { parseInfluxUrl } from '../../store/index.ts';
import { applyDeviceEvents } from '../core/apply-events.ts';
import { createAlerting } from '../index.ts';
import { workerRedis } from '../../backend/clients.ts';
import { createMailer } from '../../backend/mail.ts';

const cfg = JSON.parse(process.env.WANWATCH_TEST_ALERTING_CHILD ?? '{}') as {
  influxUrl: string;
  redisUrl: string;
  prefix: string;
  smtpUrl: string;
  options: Record<string, number>;
  dieOn?: { iface: string; to: string };
};
const dieOn = cfg.dieOn;
const o = parseInfluxUrl(cfg.influxUrl);
const alerting = createAlerting({
  influx: new InfluxDB({ host: o.host, port: o.port, database: o.database }),
  redis: workerRedis(cfg.redisUrl),
  redisPrefix: cfg.prefix,
  mailer: createMailer({ smtpUrl: cfg.smtpUrl, from: 'wanwatch@test.local' }),
  nocEmails: ['noc@test.local'],
  logger: pino({ level: process.env.WANWATCH_TEST_LOG ?? 'silent' }),
  options: cfg.options,
  steps: dieOn && {
    applyDeviceEvents(state, ev, nowMs, opts) {
      if (ev.transitions.some((t) => t.iface === dieOn.iface && t.to === dieOn.to))
        process.kill(process.pid, 'SIGKILL');
      return applyDeviceEvents(state, ev, nowMs, opts);
    },
  },
});
await alerting.startWorkers();
process.stdout.write('ready\n');
// Bounded life: a child the test forgot is gone after a minute.
setTimeout(() => process.exit(2), 60_000).unref();
setInterval(() => {}, 1000);
