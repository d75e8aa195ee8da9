import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { Queue } from 'bullmq';
import { decodeTagValue } from '../../contract/index.ts';
import { QUEUES, ROUNDS_BATCH_JOB } from '../../store/index.ts';
import type { DeviceEventsJob, RoundsBatchJob } from '../../store/index.ts';
import { startTestIngest, type TestIngest } from '../../test-support/ingest.ts';
import { sampleReport } from '../../test-support/records.ts';

describe('POST /api/v1/reports', () => {
  let t: TestIngest;
  let token: string;
  let bull: Queue<DeviceEventsJob>;
  before(async () => {
    t = await startTestIngest({ label: 'reports' });
    token = await t.addDevice('dev-1');
    bull = new Queue(QUEUES.deviceEvents, { prefix: t.keys.bull, connection: { url: t.redisUrl } as never });
  });
  after(async () => {
    await bull.close();
    await t.close();
  });

  it('acknowledges a batch and its points read back with tags, fields, types and timestamps', async () => {
    const report = sampleReport('dev-1');
    const res = await request(t.app)
      .post('/api/v1/reports')
      .set('Authorization', `Bearer ${token}`)
      .send(report)
      .expect(200);
    assert.deepEqual(res.body, { v: 1, bootId: 'boot-0001', ackSeq: 4, accepted: 4, duplicateTransitions: 0 });
    const base = report.records[0]!.timeMs;

    const iface = await t.influx.query<Record<string, unknown>>(
      `SELECT * FROM "raw"."wan_iface" WHERE "device" = $d ORDER BY time`,
      {
        placeholders: { d: 'dev-1' },
        precision: 'ms',
      },
    );
    assert.equal(iface.length, 2);
    const first = iface[0]!;
    assert.equal((first.time as Date).getTime(), base);
    assert.equal(first.iface, 'wan');
    assert.equal(first.state, 'online');
    assert.equal(first.rtt_avg_ms, 12.5);
    assert.equal(first.linux_device, 'eth1');
    assert.equal(iface[1]!.rtt_avg_ms, null);

    // Field types as InfluxDB stored them.
    const types = await t.influx.query<{ fieldKey: string; fieldType: string }>(
      `SHOW FIELD KEYS ON "${t.db}" FROM "raw"."wan_iface"`,
    );
    const typeOf = Object.fromEntries(types.map((r) => [r.fieldKey, r.fieldType]));
    assert.equal(typeOf.score, 'integer');
    assert.equal(typeOf.state_code, 'integer');
    assert.equal(typeOf.seq, 'integer');
    assert.equal(typeOf.rtt_avg_ms, 'float');
    assert.equal(typeOf.loss_pct, 'float');
    assert.equal(typeOf.state, 'string');

    const targets = await t.influx.query<Record<string, unknown>>(
      `SELECT * FROM "raw"."wan_target" WHERE "device" = $d`,
      { placeholders: { d: 'dev-1' } },
    );
    assert.equal(targets.length, 2);
    assert.deepEqual(targets.map((r) => r.target).sort(), ['192.0.2.1', 'second']);

    const tr = await t.influx.query<Record<string, unknown>>(
      `SELECT * FROM "forever"."wan_transition" WHERE "device" = $d`,
      {
        placeholders: { d: 'dev-1' },
        precision: 'n',
      },
    );
    assert.equal(tr.length, 1);
    assert.equal((tr[0]!.time as unknown as { getNanoTime(): string }).getNanoTime(), `${base + 1000}000002`);
    assert.equal(tr[0]!.to_state, 'offline');
    assert.equal(tr[0]!.seq, 2);
    assert.equal(tr[0]!.boot_id, 'boot-0001');

    const members = await t.influx.query<Record<string, unknown>>(
      `SELECT * FROM "raw"."wan_policy_member" WHERE "device" = $d`,
      { placeholders: { d: 'dev-1' } },
    );
    assert.equal(members.length, 2);
    const policy = await t.influx.query<Record<string, unknown>>(
      `SELECT * FROM "raw"."wan_policy" WHERE "device" = $d`,
      { placeholders: { d: 'dev-1' } },
    );
    assert.equal(policy[0]!.active_members, 'wanb');

    const jobs = await bull.getJobs(['waiting', 'delayed', 'active', 'completed']);
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0]!.data.transitions.length, 1);
    assert.equal(jobs[0]!.data.policies.length, 1);
    assert.equal(jobs[0]!.data.backfill, false);

    const live = await t.redis.hgetall(t.keys.live('dev-1'));
    assert.equal(JSON.parse(live.ackSeq!), 4);
    assert.equal(JSON.parse(live.ifaces!).wan.state, 'offline');
    assert.ok(await t.redis.zscore(t.keys.lastSeen, 'dev-1'));
  });

  it('the same batch twice leaves the same points and queues each transition once', async () => {
    const report = sampleReport('dev-1', { bootId: 'boot-0002', baseMs: Date.now() - 60_000 });
    const post = () =>
      request(t.app).post('/api/v1/reports').set('Authorization', `Bearer ${token}`).send(report).expect(200);
    await post();
    const again = await post();
    assert.equal(again.body.duplicateTransitions, 1);
    const tr = await t.influx.query(`SELECT * FROM "forever"."wan_transition" WHERE "boot_id" = 'boot-0002'`);
    assert.equal(tr.length, 1);
    const rows = await t.influx.query(
      `SELECT count("score") FROM "raw"."wan_iface" WHERE time >= ${report.records[0]!.timeMs}ms AND time <= ${report.records[0]!.timeMs + 1000}ms`,
    );
    assert.equal((rows[0] as unknown as { count: number }).count, 2);
    const jobs = (await bull.getJobs(['waiting', 'delayed', 'active', 'completed'])).filter(
      (j) => j.data.bootId === 'boot-0002',
    );
    assert.equal(jobs.length, 1, 'one job for the report');
    const queued = jobs.flatMap((j) => j.data.transitions);
    assert.equal(queued.length, 1);
  });

  it("a report without a new transition joins the tick's rounds batch; a new transition gets its own job", async () => {
    const base = Date.now() - 40_000;
    const full = sampleReport('dev-1', { bootId: 'boot-0003', baseMs: base });
    const noTransition = { ...full, records: full.records.filter((r) => r.type !== 'transition') };
    await request(t.app).post('/api/v1/reports').set('Authorization', `Bearer ${token}`).send(noTransition).expect(200);
    const jobs = await bull.getJobs(['waiting', 'delayed', 'active', 'completed']);
    assert.equal(jobs.filter((j) => j.data.bootId === 'boot-0003').length, 0, 'no job of its own');
    const items = jobs
      .filter((j) => j.name === ROUNDS_BATCH_JOB)
      .flatMap((j) => (j.data as unknown as RoundsBatchJob).reports)
      .filter((r) => r.bootId === 'boot-0003');
    assert.equal(items.length, 1);
    assert.equal(items[0]!.policies.length, 1, 'its policy snapshot');
    assert.equal(items[0]!.rounds?.length, 2, 'its rounds');

    const later = sampleReport('dev-1', { bootId: 'boot-0003', baseMs: base + 10_000, seq0: 10 });
    await request(t.app).post('/api/v1/reports').set('Authorization', `Bearer ${token}`).send(later).expect(200);
    const own = (await bull.getJobs(['waiting', 'delayed', 'active', 'completed'])).filter(
      (j) => j.name === 'report' && j.data.bootId === 'boot-0003',
    );
    assert.equal(own.length, 1);
    assert.equal(own[0]!.data.transitions.length, 1);
  });

  it('stores names with special characters faithfully', async () => {
    const names = ['wan 1,a=b"c', 'back\\slash\\', 'wan-😀', 'ünï 中文 50%'];
    for (const [i, iface] of names.entries()) {
      const report = sampleReport('dev-1', {
        bootId: `boot-sp${i}xx`,
        iface,
        target: iface,
        baseMs: Date.now() - 30_000 + i * 3000,
      });
      await request(t.app).post('/api/v1/reports').set('Authorization', `Bearer ${token}`).send(report).expect(200);
    }
    const tags = await t.influx.query<{ key: string; value: string }>(
      `SHOW TAG VALUES FROM "raw"."wan_iface" WITH KEY = "iface"`,
    );
    const decoded = tags.map((r) => decodeTagValue(r.value));
    for (const n of names) assert.ok(decoded.includes(n), `iface ${JSON.stringify(n)} in ${JSON.stringify(decoded)}`);
    const targets = await t.influx.query<{ value: string }>(
      `SHOW TAG VALUES FROM "raw"."wan_target" WITH KEY = "target"`,
    );
    for (const n of names) assert.ok(targets.map((r) => decodeTagValue(r.value)).includes(n));
    const events = await request(t.app)
      .get('/api/v1/devices/dev-1/events')
      .set('Authorization', `Bearer ${t.adminToken}`)
      .expect(200);
    const ifaces = new Set(
      events.body.events
        .filter((e: { type: string }) => e.type === 'transition')
        .map((e: { iface: string }) => e.iface),
    );
    for (const n of names) assert.ok(ifaces.has(n), `events show ${JSON.stringify(n)}`);
  });
  it('live state: policies kept by reports without a newer snapshot, replaced by a newer one', async () => {
    const dev = await t.addDevice('dev-live');
    const post = (body: object) =>
      request(t.app).post('/api/v1/reports').set('Authorization', `Bearer ${dev}`).send(body).expect(200);
    const live = async () => {
      const h = await t.redis.hgetall(t.keys.live('dev-live'));
      return { policies: JSON.parse(h.policies!), policiesTimeMs: Number(h.policiesTimeMs), ackSeq: Number(h.ackSeq) };
    };
    const base = Date.now() - 60_000;
    const first = sampleReport('dev-live', { baseMs: base });
    await post(first);
    const stored = await live();
    assert.equal(stored.policies[0].policy, 'balanced');
    assert.equal(stored.policiesTimeMs, base + 1000);

    // No policy record: the snapshot stays as it was.
    const noPolicy = sampleReport('dev-live', { baseMs: base + 5000, seq0: 11 });
    noPolicy.records = noPolicy.records.filter((r) => r.type !== 'policy');
    await post(noPolicy);
    assert.deepEqual((await live()).policies, stored.policies);
    assert.equal((await live()).ackSeq, 13);

    // An older snapshot (a late back-fill) does not replace it; a newer one does.
    const older = sampleReport('dev-live', { baseMs: base - 20_000, seq0: 21 });
    const olderPolicy = older.records.find((r) => r.type === 'policy')!;
    if (olderPolicy.type === 'policy') olderPolicy.policies[0]!.policy = 'older';
    await post(older);
    assert.equal((await live()).policies[0].policy, 'balanced');
    assert.equal((await live()).policiesTimeMs, base + 1000);
    const newer = sampleReport('dev-live', { baseMs: base + 10_000, seq0: 31 });
    const newerPolicy = newer.records.find((r) => r.type === 'policy')!;
    if (newerPolicy.type === 'policy') newerPolicy.policies[0]!.policy = 'newer';
    await post(newer);
    assert.equal((await live()).policies[0].policy, 'newer');
    assert.equal((await live()).policiesTimeMs, base + 11_000);
  });
});
