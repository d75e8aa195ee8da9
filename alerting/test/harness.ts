/** Integration-test harness: real influxd, redis-server and SMTP sink; fresh database and prefix. Test code only. */
import { Queue } from 'bullmq';
import express from 'express';
import { InfluxDB } from 'influx';
import { Redis } from 'ioredis';
import { simpleParser, type ParsedMail } from 'mailparser';
import { pino } from 'pino';
import { PROBLEM_CONTENT_TYPE, ProblemError, problemBody } from '../../contract/index.ts';
import {
  QUEUES,
  deviceEventsJobId,
  parseInfluxUrl,
  redisKeys,
  type DeviceEventsJob,
  type DeviceRecord,
  type RedisKeys,
} from '../../store/index.ts';
import { ensureInfluxSchema } from '../../store/influx-ensure.ts';
import { bullConnection, workerRedis } from '../../backend/clients.ts';
import { createMailer } from '../../backend/mail.ts';
import { startSmtpSink, type SmtpSink } from '../../stack/smtp-sink.ts';
import { testServices, type TestServices } from '../../stack/testing.ts';
import { createAlerting, type Alerting, type AlertingDeps, type AlertingOptions } from '../index.ts';

export const FAST: Partial<AlertingOptions> = {
  groupWaitMs: 700,
  sweepIntervalMs: 150,
  watchdogMinMs: 1000,
  retryBaseDelayMs: 150,
  retryMaxDelayMs: 400,
  retryCoverageMs: 2500,
  flapMaxChanges: 3,
  flapWindowMs: 5000,
  lockDurationMs: 1000,
  stalledIntervalMs: 500,
  outageRetryBaseMs: 100,
  outageRetryMaxDelayMs: 500,
  poisonMaxAttempts: 3,
};

export interface Harness {
  alerting: Alerting;
  sink: SmtpSink;
  influx: InfluxDB;
  influxUrl: string;
  redis: Redis;
  redisUrl: string;
  prefix: string;
  keys: RedisKeys;
  events: Queue<DeviceEventsJob>;
  /** Express app with the alerting router under /api/v1 and a problem+json error handler (as ingest mounts it). */
  api: express.Express;
  addDevice(id: string, over?: Partial<DeviceRecord>): Promise<void>;
  /** Enqueues a job as ingest does (deterministic jobId). */
  post(job: DeviceEventsJob, jobId?: string): Promise<void>;
  parsed(): Promise<ParsedMail[]>;
  close(): Promise<void>;
}

export { bullConnection };

export async function startHarness(
  label: string,
  opts: {
    options?: Partial<AlertingOptions>;
    nocEmails?: string[];
    startWorkers?: boolean;
    smtpUrl?: string;
    /** Services of the test's own (fault tests stop and start them); default: the suite's shared stack. */
    services?: TestServices;
    steps?: AlertingDeps['steps'];
    receivers?: AlertingDeps['receivers'];
  } = {},
): Promise<Harness> {
  const svc = opts.services ?? (await testServices());
  const { url } = svc.influxDb(label);
  const o = parseInfluxUrl(url);
  const influx = new InfluxDB({ host: o.host, port: o.port, protocol: o.protocol, database: o.database });
  await ensureInfluxSchema(influx);
  const prefix = svc.redisPrefix(label);
  const keys = redisKeys(prefix);
  const redis = new Redis(svc.redisUrl);
  redis.on('error', () => {}); // fault tests stop Redis on purpose; commands wait for the reconnect
  const sink = await startSmtpSink();
  const mailer = createMailer({ smtpUrl: opts.smtpUrl ?? sink.url, from: 'wanwatch@test.local' });
  const alerting = createAlerting({
    influx,
    redis: workerRedis(svc.redisUrl),
    redisPrefix: prefix,
    mailer,
    nocEmails: opts.nocEmails ?? ['noc@test.local'],
    dashboardUrl: (id) => `http://grafana.test/d/wanwatch-${id}`,
    logger: pino({ level: process.env.WANWATCH_TEST_LOG ?? 'silent' }),
    options: { ...FAST, ...opts.options },
    steps: opts.steps,
    receivers: opts.receivers,
  });
  if (opts.startWorkers !== false) await alerting.startWorkers();
  const events = new Queue<DeviceEventsJob>(QUEUES.deviceEvents, {
    connection: bullConnection(svc.redisUrl),
    prefix: keys.bull,
  });
  events.on('error', () => {});
  const api = express();
  api.use('/api/v1', alerting.router);
  api.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const body = err instanceof ProblemError ? err.toBody() : problemBody('internal_error', String(err));
    res.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
  });
  return {
    alerting,
    sink,
    influx,
    influxUrl: url,
    redis,
    redisUrl: svc.redisUrl,
    prefix,
    keys,
    events,
    api,
    async addDevice(id, over = {}) {
      const rec: DeviceRecord = {
        v: 1,
        id,
        name: `Router ${id}`,
        site: 'Berlin',
        tokenHash: 'x',
        createdAtMs: Date.now(),
        notificationEmails: [`owner-${id}@test.local`],
        multiWan: null,
        ...over,
      };
      await redis.set(keys.device(id), JSON.stringify(rec));
      await redis.sadd(keys.devices, id);
    },
    async post(job, jobId) {
      const seqs = [...job.transitions, ...job.policies].map((r) => r.seq);
      await events.add('report', job, {
        jobId: jobId ?? deviceEventsJobId(job.deviceId, job.bootId, Math.min(...seqs), Math.max(...seqs)),
      });
    },
    parsed: () => Promise.all(sink.messages.map((m) => simpleParser(m.raw))),
    async close() {
      await alerting.close();
      mailer.close();
      await events.close();
      await sink.close();
      redis.disconnect();
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Messages whose subject mentions the device (tests of one file share one sink). */
export async function mailsFor(h: Harness, deviceId: string): Promise<ParsedMail[]> {
  return (await h.parsed()).filter((m) => (m.subject ?? '').includes(`Router ${deviceId} (`));
}

/** Waits until the device has `count` mails (bounded), then a quiet period to catch extras. */
/** Polls `fn` every 50 ms until it gives a truthy value; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export async function expectMails(
  h: Harness,
  deviceId: string,
  count: number,
  quietMs = 900,
  timeoutMs = 15_000,
): Promise<ParsedMail[]> {
  const deadline = Date.now() + timeoutMs;
  while ((await mailsFor(h, deviceId)).length < count && Date.now() < deadline) await sleep(50);
  await sleep(quietMs);
  return mailsFor(h, deviceId);
}
