/**
 * End to end: reports POSTed to the real ingest API (real InfluxDB, Redis, BullMQ) reach alerting's
 * workers and come out of a real SMTP sink as exactly one email per incident, also when the
 * reporter retries the same report. Run on a single Redis and on a Redis Cluster (3 masters, 3
 * replicas): the same keys, scripts and BullMQ queues, spread over slots.
 */
import assert from 'node:assert/strict';
import { workerRedis } from '../backend/clients.ts';
import { createMailer, type ClosableMailer } from '../backend/mail.ts';
import { after, before, describe, it } from 'node:test';
import { Router } from 'express';
import { simpleParser } from 'mailparser';
import { pino } from 'pino';
import request from 'supertest';
import type { ReportRecord, ReportV1 } from '../contract/index.ts';
import { createAlerting, type Alerting } from '../alerting/index.ts';
import { startTestIngest, type TestIngest } from '../test-support/ingest.ts';
import { startSmtpSink, type SmtpSink } from '../stack/smtp-sink.ts';
import { startRedisCluster, type RedisCluster } from '../stack/redis-cluster.ts';
import { sample as sampleRecord } from '../test-support/records.ts';

const DEV = 'ce-e2e-alert';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function report(bootId: string, records: ReportRecord[]): ReportV1 {
  return { v: 1, deviceId: DEV, bootId, sentAtMs: Date.now(), reportIntervalMs: 1000, records };
}
const policy = (seq: number, timeMs: number, wanShare: number): ReportRecord => ({
  type: 'policy',
  seq,
  timeMs,
  policies: [
    {
      policy: 'balanced',
      family: 'ipv4',
      members: [
        { iface: 'wan', sharePct: wanShare, metric: 1, weight: 1 },
        { iface: 'wanb', sharePct: 100 - wanShare, metric: 1, weight: 1 },
      ],
      lastResort: 'unreachable',
      lastResortActive: false,
    },
  ],
});
const sample = (seq: number, timeMs: number, iface: string, online: boolean): ReportRecord =>
  online
    ? sampleRecord({ seq, timeMs, iface, rttAvgMs: 18.25, rttMinMs: 17, rttMaxMs: 20, jitterMs: 1 })
    : sampleRecord({ seq, timeMs, iface, online });

let cluster: Promise<RedisCluster> | undefined;
after(async () => {
  if (cluster) await (await cluster).stop();
});

for (const kind of ['redis', 'redis cluster'] as const)
  describe(`ingest -> BullMQ -> alerting -> SMTP (${kind})`, () => {
    let t: TestIngest;
    let sink: SmtpSink;
    let alerting: Alerting | undefined;
    let mailer: ClosableMailer | undefined;
    let token: string;
    before(async () => {
      // The router is mounted at app creation; alerting needs ingest's database and prefix, so delegate late.
      const late = Router();
      late.use((req, res, next) => (alerting ? alerting.router(req, res, next) : next()));
      const redisUrl = kind === 'redis cluster' ? (await (cluster ??= startRedisCluster())).url : undefined;
      t = await startTestIngest({ label: 'e2e_alert', routers: [late], ...(redisUrl ? { redisUrl } : {}) });
      sink = await startSmtpSink();
      mailer = createMailer({ smtpUrl: sink.url, from: 'wanwatch@test.local' });
      alerting = createAlerting({
        influx: t.influx,
        redis: workerRedis(t.redisUrl),
        redisPrefix: t.prefix,
        mailer,
        nocEmails: ['noc@test.local'],
        logger: pino({ level: process.env.WANWATCH_TEST_LOG ?? 'silent' }),
        options: { groupWaitMs: 400, sweepIntervalMs: 200, watchdogMinMs: 60_000 },
      });
      await alerting.startWorkers();
      token = await t.addDevice(DEV, { name: 'Site A router', notificationEmails: ['owner@test.local'] });
    });
    after(async () => {
      await alerting?.close();
      mailer?.close();
      await sink?.close();
      await t?.close();
    });

    const post = (r: ReportV1) =>
      request(t.app).post('/api/v1/reports').set('Authorization', `Bearer ${token}`).send(r).expect(200);

    it('a report with a link-offline transition, posted twice, gives exactly one email', async () => {
      const t0 = Date.now() - 3000;
      await post(
        report('boot-e2e-0001', [
          {
            type: 'transition',
            seq: 1,
            timeMs: t0,
            iface: 'wan',
            from: 'unknown',
            to: 'online',
            score: 12,
            reason: 'start',
          },
          {
            type: 'transition',
            seq: 2,
            timeMs: t0,
            iface: 'wanb',
            from: 'unknown',
            to: 'online',
            score: 12,
            reason: 'start',
          },
          policy(3, t0, 50),
        ]),
      );
      const down = report('boot-e2e-0001', [
        sample(4, t0 + 1000, 'wanb', true),
        {
          type: 'transition',
          seq: 5,
          timeMs: t0 + 1000,
          iface: 'wan',
          from: 'online',
          to: 'offline',
          score: 0,
          reason: 'track',
        },
        policy(6, t0 + 1000, 0),
      ]);
      await post(down);
      await post(down); // the reporter's retry of the same batch
      await sink.waitForMessages(1, 15_000);
      await sleep(1500); // nothing else may follow
      assert.equal(sink.messages.length, 1);
      const m = await simpleParser(sink.messages[0]!.raw);
      assert.equal(m.subject, '[wanwatch] Site A router: wan DOWN — traffic now on wanb (balanced: wanb 100%)');
      assert.deepEqual(sink.messages[0]!.rcptTo.sort(), ['noc@test.local', 'owner@test.local']);
      assert.match(m.text!, /wanb: online, latency 18\.3 ms, loss 0\.0%/);
      assert.ok(m.html);
      // The alerting routes are reachable through ingest's /api/v1 with the admin token.
      const n = await request(t.app)
        .get('/api/v1/notifications?status=sent')
        .set('Authorization', `Bearer ${t.adminToken}`)
        .expect(200);
      assert.equal(n.body.notifications.length, 1);
      await request(t.app).get('/api/v1/silences').expect(401);
    });

    it('samples-only reports merge into the live state and the last-seen score', async () => {
      const t0 = Date.now() - 1000;
      await post(report('boot-e2e-0001', [sample(7, t0, 'wan', true), sample(8, t0, 'wanb', true)]));
      const live = await t.redis.hgetall(t.keys.live(DEV));
      assert.equal(live.ackSeq, '8');
      assert.equal(JSON.parse(live.ifaces!).wan.state, 'online');
      assert.ok(Number(await t.redis.zscore(t.keys.lastSeen, DEV)) >= t0);
      const devices = await request(t.app)
        .get('/api/v1/devices')
        .set('Authorization', `Bearer ${t.adminToken}`)
        .expect(200);
      assert.ok(JSON.stringify(devices.body).includes(DEV));
    });
  });
