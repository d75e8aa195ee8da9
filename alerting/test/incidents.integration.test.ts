import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { M, RP } from '../../store/index.ts';
import { expectMails, sleep, startHarness, waitFor, type Harness } from './harness.ts';
import { job, pol, tr } from './fixtures.ts';

const now = () => Date.now();
const steadyRecords = (t: number) => [
  tr(1, 'eth0', 'unknown', 'online', t),
  tr(2, 'eth1', 'unknown', 'online', t),
  pol(3, ['eth0', 'eth1'], t),
];

describe('alerting with real Redis, BullMQ, InfluxDB and SMTP sink', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('alert_inc');
  });
  after(async () => {
    await h?.close();
  });

  /** A device with both links up (no email), ready for the test's events. */
  async function steadyDevice(id: string) {
    await h.addDevice(id, {
      multiWan: {
        enable: true,
        mode: 'FAIL_OVER',
        notificationEmails: [],
        wanInterfaces: null,
        wanInterfacesConfig: {},
      },
    });
    await h.post(job(id, steadyRecords(now() - 5000)));
  }

  it('link offline -> exactly one email with subject, recipients, body, text+html, Message-ID', async () => {
    await steadyDevice('a1');
    const t = now();
    await h.post(
      job('a1', [tr(10, 'eth1', 'online', 'disconnecting', t), tr(11, 'eth1', 'disconnecting', 'offline', t + 1)], {
        metrics: {
          eth0: { timeMs: t, rttAvgMs: 21.5, lossPct: 0, jitterMs: 1, state: 'online' },
          eth1: { timeMs: t, rttAvgMs: null, lossPct: 100, jitterMs: null, state: 'offline' },
        },
      }),
    );
    const mails = await expectMails(h, 'a1', 1);
    assert.equal(mails.length, 1, mails.map((m) => m.subject).join(' | '));
    const m = mails[0]!;
    assert.equal(m.subject, '[wanwatch] Router a1 (Berlin): eth1 DOWN');
    const rcpt = h.sink.messages.find((x) => x.raw.toString().includes('Router a1 ('))!.rcptTo.sort();
    assert.deepEqual(rcpt, ['noc@test.local', 'owner-a1@test.local']);
    assert.match(m.text!, /eth1 went offline at/);
    assert.match(m.text!, /eth0: online, latency 21\.5 ms, loss 0\.0%/);
    assert.match(m.text!, /Dashboard: http:\/\/grafana\.test\/d\/wanwatch-a1/);
    assert.match(String(m.html), /<h2>Router a1 \(Berlin\): eth1 DOWN<\/h2>/);
    assert.match(m.messageId!, /^<wanwatch\.[0-9a-f]{24}@wanwatch\.local>$/);
    // Recorded: one incident (notified) and the notification sent.
    const inc = await h.influx.query(`SELECT * FROM "${RP.forever}"."${M.incident}" WHERE "device" = 'a1'`);
    assert.deepEqual(
      inc.map((r) => `${(r as Record<string, unknown>).kind}:${(r as Record<string, unknown>).status}`),
      ['link_down:notified'],
    );
    const res = await request(h.api).get('/api/v1/notifications?status=sent&device=a1').expect(200);
    assert.equal(res.body.notifications.length, 1);
    assert.deepEqual(res.body.notifications[0].recipients.sort(), ['noc@test.local', 'owner-a1@test.local']);
    // deviceId (the documented name) filters like its older spelling `device`; naming two devices is refused.
    const byId = await request(h.api).get('/api/v1/notifications?status=sent&deviceId=a1').expect(200);
    const ids = (b: { notifications: Array<{ notificationId: string }> }) =>
      b.notifications.map((n) => n.notificationId);
    assert.deepEqual(ids(byId.body), ids(res.body));
    const other = await request(h.api).get('/api/v1/notifications?deviceId=nobody').expect(200);
    assert.deepEqual(other.body.notifications, []);
    const both = await request(h.api).get('/api/v1/notifications?deviceId=a1&device=a2').expect(400);
    assert.equal(both.body.code, 'invalid_query');
  });

  it('offline + the policy change it causes inside the group wait -> one email', async () => {
    await steadyDevice('a2');
    const t = now();
    await h.post(job('a2', [tr(10, 'eth1', 'online', 'offline', t)]));
    await sleep(100);
    await h.post(job('a2', [pol(11, ['eth0'], t + 50)]));
    const mails = await expectMails(h, 'a2', 1);
    assert.deepEqual(
      mails.map((m) => m.subject),
      ['[wanwatch] Router a2 (Berlin): eth1 DOWN — traffic now on eth0 (FAIL_OVER: eth0 100%)'],
    );
  });

  it('the same job added twice, and the same records under another job id -> one email', async () => {
    await steadyDevice('a3');
    const j = job('a3', [tr(10, 'eth0', 'online', 'offline', now())]);
    await h.post(j);
    await h.post(j);
    await sleep(600);
    await h.post(j, 'ev_a3_replayed-by-hand');
    const mails = await expectMails(h, 'a3', 1);
    assert.equal(mails.length, 1);
  });

  it('a flapping link -> one flapping email', async () => {
    await steadyDevice('a4');
    const t = now();
    const change = (seq: number, i: number) =>
      tr(seq, 'eth1', i % 2 ? 'offline' : 'online', i % 2 ? 'online' : 'offline', t + i * 100);
    // One report with four changes (more than flapMaxChanges=3), then more changes after that group flushed.
    await h.post(
      job(
        'a4',
        [0, 1, 2, 3].map((i) => change(10 + i, i)),
      ),
    );
    // The group has flushed when its email is in (a fixed sleep could be overrun on a busy machine).
    assert.equal((await expectMails(h, 'a4', 1, 0)).length, 1);
    for (let i = 4; i < 8; i++) await h.post(job('a4', [change(10 + i, i)]));
    const mails = await expectMails(h, 'a4', 2, 0, 1500); // a second email must not come
    assert.deepEqual(
      mails.map((m) => m.subject),
      ['[wanwatch] Router a4 (Berlin): eth1 FLAPPING (4 changes in 5s)'],
    );
  });

  it('a silence suppresses the email but keeps the record', async () => {
    await steadyDevice('a5');
    const created = await request(h.api)
      .post('/api/v1/silences')
      .send({ deviceId: 'a5', iface: 'eth1', endMs: now() + 60_000, comment: 'ISP maintenance' })
      .expect(201);
    assert.match(created.body.id, /^sil-/);
    const list = await request(h.api).get('/api/v1/silences?active=true').expect(200);
    assert.ok(list.body.silences.some((s: { id: string }) => s.id === created.body.id));
    await h.post(job('a5', [tr(10, 'eth1', 'online', 'offline', now())]));
    // The group's flush is the decision: wait for its record (not a fixed time, which a busy
    // machine overruns), then nothing may have been mailed.
    const sup = await waitFor('the suppressed notification record', async () => {
      const r = await request(h.api).get('/api/v1/notifications?status=suppressed&device=a5').expect(200);
      return r.body.notifications.length >= 1 && r.body.notifications;
    });
    assert.equal(sup.length, 1);
    const inc = await waitFor('the incident record', async () => {
      const rows = await h.influx.query(`SELECT * FROM "${RP.forever}"."${M.incident}" WHERE "device" = 'a5'`);
      return rows.length >= 1 && rows;
    });
    assert.deepEqual(
      inc.map((r) => (r as Record<string, unknown>).status),
      ['silenced'],
    );
    assert.equal((await expectMails(h, 'a5', 1, 0, 500)).length, 0);
    await request(h.api).delete(`/api/v1/silences/${created.body.id}`).expect(204);
    const gone = await request(h.api).delete(`/api/v1/silences/${created.body.id}`).expect(404);
    assert.equal(gone.body.code, 'not_found');
    // After the silence: the recovery is emailed.
    await h.post(job('a5', [tr(11, 'eth1', 'offline', 'online', now())]));
    const mails = await expectMails(h, 'a5', 1);
    assert.match(mails[0]!.subject!, /eth1 UP after/);
  });

  it('bad silences and queries are problem+json with stable codes', async () => {
    const r1 = await request(h.api).post('/api/v1/silences').send({ deviceId: 'x', endMs: 5, startMs: 10 }).expect(422);
    assert.equal(r1.body.code, 'validation_failed');
    const r2 = await request(h.api)
      .post('/api/v1/silences')
      .send({ deviceId: 'x', endMs: now() + 1000, bogus: 1 })
      .expect(422);
    assert.equal(r2.body.code, 'validation_failed');
    assert.match(JSON.stringify(r2.body.errors), /bogus/);
    const r3 = await request(h.api).get('/api/v1/notifications?status=nope').expect(400);
    assert.equal(r3.body.code, 'invalid_query');
  });

  it('watchdog: a device that stops reporting -> one unreachable email; its return -> one back-online email', async () => {
    await steadyDevice('a6');
    await sleep(700); // its startup group flushes (no email)
    const live = {
      lastSeenMs: JSON.stringify(now()),
      reportIntervalMs: '200',
      ifaces: JSON.stringify({
        eth0: { state: 'online', timeMs: now(), rttAvgMs: 9, lossPct: 0, jitterMs: 1 },
        eth1: { state: 'online', timeMs: now(), rttAvgMs: 30, lossPct: 2, jitterMs: 3 },
      }),
    };
    const lastSeen = now();
    await h.redis.hset(h.keys.live('a6'), live);
    await h.redis.zadd(h.keys.lastSeen, lastSeen, 'a6');
    const down = await expectMails(h, 'a6', 1, 800);
    assert.equal(down.length, 1, down.map((m) => m.subject).join(' | '));
    assert.match(down[0]!.subject!, /device UNREACHABLE \(last heard/);
    assert.match(down[0]!.text!, /eth1: online, latency 30\.0 ms, loss 2\.0%/);
    // It comes back; ingest updates last-seen and queues the back-filled transitions.
    const back = now();
    await h.redis.zadd(h.keys.lastSeen, back, 'a6');
    // ...and keeps reporting (ingest refreshes last-seen on every report).
    const keepAlive = setInterval(() => void h.redis.zadd(h.keys.lastSeen, now(), 'a6'), 200);
    after(() => clearInterval(keepAlive));
    await h.post(
      job(
        'a6',
        [tr(20, 'eth1', 'online', 'offline', lastSeen + 100), tr(21, 'eth1', 'offline', 'online', lastSeen + 600)],
        { backfill: true, receivedAtMs: back },
      ),
    );
    const all = await expectMails(h, 'a6', 2, 800);
    assert.equal(all.length, 2, all.map((m) => m.subject).join(' | '));
    assert.match(all[1]!.subject!, /device BACK ONLINE after/);
    assert.match(all[1]!.text!, /eth1: went offline at .*, came back at .* \(down 0\.500s\)/);
    const states = await h.influx.query(`SELECT "state" FROM "${RP.forever}"."${M.deviceState}" WHERE "device" = 'a6'`);
    assert.deepEqual(
      states.map((r) => (r as Record<string, unknown>).state),
      ['unreachable', 'reachable'],
    );
    clearInterval(keepAlive);
    await h.redis.zrem(h.keys.lastSeen, 'a6');
  });
});
