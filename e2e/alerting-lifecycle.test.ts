/**
 * Lifecycle events against the whole backend (real ingest API with its receiving heartbeat, BullMQ,
 * alerting workers, InfluxDB, Redis, SMTP sink), fed the records the reporter sends per the
 * lifecycle spec: a restart during an outage gives one DOWN and one UP with the true duration; a
 * reload / stop / start sequence gives no email; a backend stopped for 2 × the watchdog blames no
 * device, while a device that really stays silent is still declared unreachable after the allowance.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import request from 'supertest';
import { alertingPlugin, ingestPlugin } from '../backend/plugins/index.ts';
import { formatDuration } from '../store/text-format.ts';
import type { ReportRecord, ReportV1, TransitionRecord } from '../contract/index.ts';
import { createLogger, startBackend, type BackendConfig, type RunningBackend } from '../backend/host.ts';
import { startSmtpSink, type SmtpSink } from '../stack/smtp-sink.ts';
import { testServices } from '../stack/testing.ts';
import { sample, transition } from '../test-support/records.ts';
import { until } from '../test-support/until.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WATCHDOG_MS = 4_000;
const OPTIONS = {
  groupWaitMs: 400,
  sweepIntervalMs: 200,
  watchdogMinMs: WATCHDOG_MS,
  reporterBackoffBaseMs: 200,
  reporterBackoffMaxMs: 3_000,
};

class Device {
  seq = 0;
  boot = '';
  token = '';
  constructor(
    readonly id: string,
    private readonly api: () => string,
  ) {}
  newRun() {
    this.boot = `${this.id.replace(/[^a-z0-9]/g, '')}${Date.now().toString(16)}`.slice(-16);
  }
  tr(
    iface: string,
    from: TransitionRecord['from'],
    to: TransitionRecord['to'],
    reason: TransitionRecord['reason'],
    timeMs = Date.now(),
  ): ReportRecord {
    return transition({ seq: ++this.seq, timeMs, iface, from, to, reason });
  }
  /** balanced policy over wan and wanb; `online` = members carrying traffic. */
  policy(online: string[], timeMs = Date.now()): ReportRecord {
    const members = ['wan', 'wanb'].map((iface) => ({
      iface,
      sharePct: online.includes(iface) ? Math.floor(100 / online.length) : 0,
      metric: 1,
      weight: 1,
    }));
    return {
      type: 'policy',
      seq: ++this.seq,
      timeMs,
      policies: [
        {
          policy: 'balanced',
          family: 'ipv4',
          members,
          lastResort: 'unreachable',
          lastResortActive: online.length === 0,
        },
      ],
    };
  }
  sample(iface: string, online: boolean): ReportRecord {
    const healthy = online ? { rttAvgMs: 10, rttMinMs: 9, rttMaxMs: 11, jitterMs: 1 } : {};
    return sample({ seq: ++this.seq, timeMs: Date.now(), iface, online, ...healthy });
  }
  async send(records: ReportRecord[]) {
    const r: ReportV1 = {
      v: 1,
      deviceId: this.id,
      bootId: this.boot,
      sentAtMs: Date.now(),
      reportIntervalMs: 500,
      records,
    };
    await request(this.api()).post('/api/v1/reports').set('Authorization', `Bearer ${this.token}`).send(r).expect(200);
  }
}

describe('lifecycle events, whole backend', () => {
  let backend: RunningBackend | undefined;
  let sink: SmtpSink;
  let config: BackendConfig;
  const api = () => `http://127.0.0.1:${backend!.port}`;
  const start = async () => {
    backend = await startBackend(
      { ...config, port: backend?.port ?? 0 },
      {
        role: 'all',
        host: '127.0.0.1',
        logger: createLogger('error'),
        plugins: [ingestPlugin, alertingPlugin({ options: OPTIONS })],
      },
    );
  };
  const mailsTo = (id: string) => sink.messages.filter((m) => m.rcptTo.includes(`${id}@test.local`));
  const subjects = async (id: string) =>
    Promise.all(mailsTo(id).map(async (m) => (await simpleParser(m.raw)).subject ?? ''));
  const reachRows = async (id: string) =>
    (await backend!.ctx.influx.query(`SELECT "state" FROM "forever"."wan_device_state" WHERE "device" = '${id}'`)).map(
      (r) => (r as unknown as { state: string }).state,
    );
  async function register(id: string): Promise<Device> {
    const d = new Device(id, api);
    const r = await request(api())
      .post('/api/v1/devices')
      .set('Authorization', `Bearer ${config.adminToken}`)
      .send({ id, name: id, notificationEmails: [`${id}@test.local`] })
      .expect(201);
    d.token = r.body.token;
    d.newRun();
    await d.send([
      d.tr('wan', 'unknown', 'online', 'start'),
      d.tr('wanb', 'unknown', 'online', 'start'),
      d.policy(['wan', 'wanb']),
    ]);
    return d;
  }

  before(async () => {
    const svc = await testServices();
    sink = await startSmtpSink();
    config = {
      influxUrl: svc.influxDb('lifecycle').url,
      redisUrl: svc.redisUrl,
      redisPrefix: svc.redisPrefix('lifecycle'),
      smtpUrl: sink.url,
      mailFrom: 'wanwatch <w@test.local>',
      alertEmails: [],
      adminToken: 'lifecycle-test-admin-token',
      port: 0,
      dataDir: '/tmp',
      rawRetention: '30d',
      logLevel: 'error',
    };
    await start();
  });
  after(async () => {
    await backend?.close();
    await sink?.close();
  });

  it('a reporter restart during an outage: one DOWN, one UP with the true duration', async () => {
    const d = await register('life-outage');
    const downAt = Date.now();
    await d.send([
      d.sample('wanb', true),
      d.tr('wan', 'online', 'offline', 'track', downAt),
      d.policy(['wanb'], downAt),
    ]);
    await until('the DOWN email', () => mailsTo(d.id).length === 1);
    // kill -9 and restart: a new run carries wan's confirmed `offline`; routing starts it online.
    d.newRun();
    await d.send([
      d.tr('wan', 'offline', 'online', 'start'),
      d.tr('wanb', 'online', 'online', 'start'),
      d.policy(['wan', 'wanb']),
    ]);
    await sleep(300);
    // The new run's probes find wan dead: the tracker's own online -> disconnecting -> offline.
    await d.send([
      d.tr('wan', 'online', 'disconnecting', 'track'),
      d.tr('wan', 'disconnecting', 'offline', 'track'),
      d.policy(['wanb']),
    ]);
    await sleep(1_000);
    const upAt = Date.now();
    await d.send([d.tr('wan', 'offline', 'online', 'track', upAt), d.policy(['wan', 'wanb'], upAt)]);
    await until('the UP email', () => mailsTo(d.id).length >= 2);
    await sleep(1_500); // nothing else may follow
    const s = await subjects(d.id);
    assert.equal(s.length, 2, s.join('\n'));
    assert.match(s[0]!, /: wan DOWN — traffic now on wanb/);
    assert.match(s[1]!, new RegExp(`: wan UP after ${formatDuration(upAt - downAt)} — traffic now on wan, wanb`));
  });

  it('reload, clean stop (silent beyond the watchdog), start: no email, no unreachable row', async () => {
    const d = await register('life-quiet');
    // SIGHUP with one interface's options changed: its tracker restarts with `config` records.
    await d.send([
      d.tr('wanb', 'online', 'unknown', 'config'),
      d.tr('wanb', 'unknown', 'online', 'config'),
      d.policy(['wan', 'wanb']),
    ]);
    await sleep(500);
    await d.send([
      d.sample('wan', true),
      d.tr('wan', 'online', 'unknown', 'stop'),
      d.tr('wanb', 'online', 'unknown', 'stop'),
    ]);
    await sleep(WATCHDOG_MS * 2);
    d.newRun();
    await d.send([
      d.tr('wan', 'online', 'online', 'start'),
      d.tr('wanb', 'online', 'online', 'start'),
      d.policy(['wan', 'wanb']),
    ]);
    await sleep(1_500);
    assert.deepEqual(await subjects(d.id), []);
    assert.deepEqual(await reachRows(d.id), []);
  });

  it('backend stopped for 2 × the watchdog: no device blamed; a really silent one is unreachable after the allowance', async () => {
    const back = await register('life-back');
    const silent = await register('life-silent');
    await Promise.all([back.send([back.sample('wan', true)]), silent.send([silent.sample('wan', true)])]);
    await backend!.close();
    await sleep(WATCHDOG_MS * 2);
    await start();
    const restartedAt = Date.now();
    // The reporter's back-off: its next try comes a while after the backend is back (< allowance of 3 s).
    await sleep(2_000);
    let reporting = true;
    const keepReporting = (async () => {
      while (reporting) {
        await back.send([back.sample('wan', true)]);
        await sleep(500);
      }
    })();
    // Neither is unreachable before gap end + watchdog: `silent` still inside its allowance.
    await sleep(WATCHDOG_MS - 1_000);
    assert.deepEqual(await subjects(silent.id), [], 'unreachable before the allowance ran out');
    await until('silent device unreachable', () => mailsTo(silent.id).length === 1, 20_000);
    reporting = false;
    await keepReporting;
    const declaredAfterMs = Date.now() - restartedAt;
    // gap end + watchdog + allowance (min(3 s, 4 × 8 s + 0.4 s) = 3 s), less a second of slack for the gap's end.
    assert.ok(declaredAfterMs >= WATCHDOG_MS + 2_000, `declared ${declaredAfterMs} ms after the restart`);
    assert.match((await subjects(silent.id))[0]!, /device UNREACHABLE/);
    assert.deepEqual(await subjects(back.id), []);
    assert.deepEqual(await reachRows(back.id), []);
    assert.deepEqual(await reachRows(silent.id), ['unreachable']);
  });
});
