/**
 * End to end: probe rounds POSTed to the real ingest API (real InfluxDB, Redis, BullMQ) are
 * evaluated by alerting's workers; a brownout comes out of the real SMTP sink as exactly one
 * DEGRADED and one RECOVERED email, a clean link as none, and both changes land in
 * `wan_link_quality`.
 *
 * Time is scaled 1:100 so the test takes seconds, with the production ratios kept: a 5 min window
 * with 10 s rounds and a 60 s minimum duration, and 6 minutes of 30 % loss, become a 3 s window,
 * 100 ms rounds, 0.6 s and 3.6 s of loss. Reports are posted as a device would, each once its
 * rounds are past (real time), so alerting's group wait sees the brownout's start and end apart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Router } from 'express';
import { simpleParser } from 'mailparser';
import { pino } from 'pino';
import request from 'supertest';
import { workerRedis } from '../backend/clients.ts';
import { createMailer, type ClosableMailer } from '../backend/mail.ts';
import type { ReportRecord, ReportV1 } from '../contract/index.ts';
import { createAlerting, type Alerting } from '../alerting/index.ts';
import { M, RP } from '../store/index.ts';
import { startTestIngest, type TestIngest } from '../test-support/ingest.ts';
import { startSmtpSink, type SmtpSink } from '../stack/smtp-sink.ts';
import { sample } from '../test-support/records.ts';

const SCALE = 100;
const ROUND_MS = 10_000 / SCALE;
const WINDOW_MS = 300_000 / SCALE;
const MIN_DURATION_MS = 60_000 / SCALE;
const LOSS_MS = 360_000 / SCALE;
const ROUNDS_PER_REPORT = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Rounds of eth0: clean for `cleanBeforeMs`, 30 % loss for `lossMs`, then clean for 2 windows. */
function rounds(t0: number, lossMs: number): ReportRecord[] {
  const cleanBeforeMs = WINDOW_MS;
  const total = cleanBeforeMs + lossMs + 2 * WINDOW_MS;
  const out: ReportRecord[] = [];
  for (let i = 0; i * ROUND_MS < total; i++) {
    const at = i * ROUND_MS;
    const lossy = at >= cleanBeforeMs && at < cleanBeforeMs + lossMs;
    out.push(
      sample({ seq: 2 + i, timeMs: t0 + at, iface: 'eth0', lossPct: lossy ? 30 : 0, rttAvgMs: 25, jitterMs: 2 }),
    );
  }
  return out;
}

describe('cloud-side link quality: ingest -> BullMQ -> alerting -> SMTP', () => {
  let t: TestIngest;
  let sink: SmtpSink;
  let alerting: Alerting | undefined;
  let mailer: ClosableMailer | undefined;
  before(async () => {
    // Alerting's routes (the override API) are mounted at app creation; alerting needs ingest's prefix: delegate late.
    const late = Router();
    late.use((req, res, next) => (alerting ? alerting.router(req, res, next) : next()));
    t = await startTestIngest({ label: 'e2e_quality', routers: [late] });
    sink = await startSmtpSink();
    mailer = createMailer({ smtpUrl: sink.url, from: 'wanwatch@test.local' });
    alerting = createAlerting({
      influx: t.influx,
      redis: workerRedis(t.redisUrl),
      redisPrefix: t.prefix,
      mailer,
      nocEmails: ['noc@test.local'],
      logger: pino({ level: process.env.WANWATCH_TEST_LOG ?? 'silent' }),
      options: {
        groupWaitMs: 300,
        sweepIntervalMs: 200,
        watchdogMinMs: 600_000,
        qualityWindowMs: WINDOW_MS,
        qualityMinDurationMs: MIN_DURATION_MS,
      },
    });
    await alerting.startWorkers();
  });
  after(async () => {
    await alerting?.close();
    mailer?.close();
    await sink?.close();
    await t?.close();
  });

  /** Posts the device's start transition and its rounds in reports of ROUNDS_PER_REPORT rounds. */
  async function run(deviceId: string, name: string, lossMs: number) {
    const token = await t.addDevice(deviceId, { name });
    const t0 = Date.now();
    const post = (records: ReportRecord[]) => {
      const r: ReportV1 = {
        v: 1,
        deviceId,
        bootId: 'boot-quality-1',
        sentAtMs: Date.now(),
        reportIntervalMs: 1000,
        records,
      };
      return request(t.app).post('/api/v1/reports').set('Authorization', `Bearer ${token}`).send(r).expect(200);
    };
    await post([
      {
        type: 'transition',
        seq: 1,
        timeMs: t0 - 1,
        iface: 'eth0',
        from: 'unknown',
        to: 'online',
        score: 12,
        reason: 'start',
      },
    ]);
    const all = rounds(t0, lossMs);
    for (let i = 0; i < all.length; i += ROUNDS_PER_REPORT) {
      const batch = all.slice(i, i + ROUNDS_PER_REPORT);
      await sleep(Math.max(0, batch[batch.length - 1]!.timeMs - Date.now()));
      await post(batch);
    }
  }

  it('30 % loss for 6 (scaled) minutes: exactly one DEGRADED and one RECOVERED; a clean link: none', async () => {
    await Promise.all([run('ce-quality-lossy', 'Lossy router', LOSS_MS), run('ce-quality-clean', 'Clean router', 0)]);
    await sink.waitForMessages(2, 30_000);
    await sleep(2000); // nothing else may follow
    const subjects = await Promise.all(sink.messages.map(async (m) => (await simpleParser(m.raw)).subject ?? ''));
    assert.equal(subjects.length, 2, subjects.join('\n'));
    assert.match(
      subjects[0]!,
      /^\[wanwatch\] Lossy router: eth0 DEGRADED: loss \d+ %, RTT p95 25 ms, jitter 2 ms over/,
    );
    assert.match(subjects[1]!, /^\[wanwatch\] Lossy router: eth0 RECOVERED: loss \d %/);
    assert.ok(!subjects.some((s) => s.includes('Clean router')));
    const rows = await t.influx.query<{
      device: string;
      iface: string;
      degraded: boolean;
      source: string;
      loss_pct: number;
    }>(`SELECT * FROM "${RP.forever}"."${M.linkQuality}"`);
    assert.deepEqual(
      rows.map((r) => [r.device, r.iface, r.degraded, r.source]),
      [
        ['ce-quality-lossy', 'eth0', true, 'cloud'],
        ['ce-quality-lossy', 'eth0', false, 'cloud'],
      ],
    );
    assert.ok(rows[0]!.loss_pct >= 10);
  });

  it('a per-link override set through the API applies: 30 % loss below a 40 % threshold emails nothing', async () => {
    const admin = `Bearer ${t.adminToken}`;
    const api = '/api/v1/alerting/quality-overrides';
    await request(t.app)
      .put(api)
      .set('Authorization', admin)
      .send({ site: 'Berlin', deviceId: 'x', thresholds: {} })
      .expect(422);
    const body = { deviceId: 'ce-quality-tolerant', iface: 'eth0', thresholds: { lossEnterPct: 40, lossLeavePct: 20 } };
    await request(t.app).put(api).set('Authorization', admin).send(body).expect(200);
    const listed = await request(t.app).get(api).set('Authorization', admin).expect(200);
    assert.deepEqual(listed.body.overrides, [
      { scope: 'link', deviceId: 'ce-quality-tolerant', iface: 'eth0', thresholds: body.thresholds },
    ]);
    const before = sink.messages.length;
    // The second device has no override: the control.
    await Promise.all([
      run('ce-quality-tolerant', 'Tolerant router', LOSS_MS),
      run('ce-quality-lossy-2', 'Lossy router 2', LOSS_MS),
    ]);
    await sink.waitForMessages(before + 2, 30_000);
    await sleep(2000);
    const subjects = await Promise.all(
      sink.messages.slice(before).map(async (m) => (await simpleParser(m.raw)).subject ?? ''),
    );
    assert.equal(subjects.length, 2, subjects.join('\n'));
    assert.ok(
      subjects.every((x) => x.includes('Lossy router 2')),
      subjects.join('\n'),
    );
    await request(t.app)
      .delete(api)
      .query({ deviceId: 'ce-quality-tolerant', iface: 'eth0' })
      .set('Authorization', admin)
      .expect(204);
    await request(t.app)
      .delete(api)
      .query({ deviceId: 'ce-quality-tolerant', iface: 'eth0' })
      .set('Authorization', admin)
      .expect(404);
  });
});
