import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { liveFields, parseLive, parseLiveChange, redisKeys, type LiveState } from '../../store/index.ts';
import type { ReportV1, SampleRecord } from '../../contract/index.ts';
import { testServices } from '../../stack/testing.ts';
import { createLiveMerger, liveUpdateOf, nextLive, type LiveUpdate } from '../hot-path/live-merge.ts';
import { batchPerTick } from '../tick-batch.ts';
import { report, sample } from '../../test-support/records.ts';

/** Interface names that JSON and Lua's cjson must both carry unchanged. */
const IFACES = ['wan', 'wanb', 'lte 1', 'ä"\\/x', '1', '__proto__', 'constructor', 'toString'];

const sampleArb = fc.record({
  iface: fc.constantFrom(...IFACES),
  // Coarse times, so that equal timestamps (ties) come up often.
  dtMs: fc.integer({ min: -3, max: 3 }).map((k) => k * 5_000),
  state: fc.constantFrom('online', 'offline', 'connecting'),
  rttAvgMs: fc.option(fc.double({ min: 0, max: 2000, noNaN: true }), { nil: null }),
  lossPct: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
  jitterMs: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: null }),
});
const reportArb = fc.record({
  bootId: fc.constantFrom('boot-a', 'boot-b'),
  seq0: fc.integer({ min: 1, max: 1000 }),
  baseDtMs: fc.integer({ min: -4, max: 4 }).map((k) => k * 5_000),
  samples: fc.array(sampleArb, { minLength: 1, maxLength: 6 }),
});

const T0 = 1_763_700_000_000;

type ReportGen = typeof reportArb extends fc.Arbitrary<infer X> ? X : never;

function toReport(r: ReportGen, deviceId: string): ReportV1 {
  const records: SampleRecord[] = r.samples.map((s, i) =>
    sample({
      seq: r.seq0 + i,
      timeMs: T0 + r.baseDtMs + s.dtMs,
      iface: s.iface,
      state: s.state as SampleRecord['state'],
      score: 10,
      roundOk: s.state === 'online',
      rttAvgMs: s.rttAvgMs,
      rttMinMs: null,
      rttMaxMs: null,
      lossPct: s.lossPct,
      jitterMs: s.jitterMs,
    }),
  );
  return report(deviceId, records, { bootId: r.bootId, sentAtMs: T0 });
}

/** Equal, with numbers compared to cjson's 14 significant digits. */
function assertCloseDeep(actual: unknown, expected: unknown, path = 'live'): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const tol = Math.max(Math.abs(expected), 1) * 1e-13;
    assert.ok(Math.abs(actual - expected) <= tol, `${path}: ${actual} != ${expected}`);
    return;
  }
  if (expected && typeof expected === 'object') {
    assert.ok(actual && typeof actual === 'object', `${path}: ${JSON.stringify(actual)} is not an object`);
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    assert.deepEqual(Object.keys(a).sort(), Object.keys(e).sort(), `${path}: keys`);
    for (const k of Object.keys(e)) assertCloseDeep(a[k], e[k], `${path}.${k}`);
    return;
  }
  assert.equal(actual, expected, path);
}

describe('live-state merge in Redis (MERGE_LIVE_LUA) equals nextLive for samples-only reports', () => {
  let redis: Redis;
  const keys = redisKeys('t');
  let merge: ReturnType<typeof createLiveMerger>;
  let device = 0;
  before(async () => {
    const s = await testServices();
    redis = new Redis(s.redisUrl);
    Object.assign(keys, redisKeys(s.redisPrefix('livemerge')));
    merge = createLiveMerger(redis, keys);
  });
  after(async () => {
    const left = await redis.keys(`${keys.live('')}*`);
    if (left.length) await redis.del(...left);
    await redis.del(keys.lastSeen);
    await redis.quit();
  });

  it('random report sequences, one at a time and several in one tick, from empty or a stored state', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(reportArb, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.boolean(),
        async (reports, seeded, sameTick) => {
          const id = `dev-${device++}`;
          let expected: LiveState | undefined;
          if (seeded) {
            // A state as the read-then-write path leaves it (with a policy snapshot).
            expected = {
              ...nextLive(undefined, toReport(reports[0]!, id), T0),
              policies: [{ policy: 'balanced', members: [] }],
              policiesTimeMs: T0 - 1000,
            };
            await redis.hset(keys.live(id), liveFields(expected));
          }
          const reps = reports.map((r) => toReport(r, id));
          const nows = reps.map((_r, i) => T0 + 10_000 + i);
          for (let i = 0; i < reps.length; i++) expected = nextLive(expected, reps[i]!, nows[i]!);
          if (sameTick) await Promise.all(reps.map((rep, i) => merge(liveUpdateOf(rep, nows[i]!))));
          else for (let i = 0; i < reps.length; i++) await merge(liveUpdateOf(reps[i]!, nows[i]!));
          const stored = parseLive(await redis.hgetall(keys.live(id)));
          assertCloseDeep(stored, expected);
          assert.equal(Number(await redis.zscore(keys.lastSeen, id)), nows[nows.length - 1]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a late back-fill sample does not overwrite a newer interface state, and a null figure keeps the stored one', async () => {
    const id = 'dev-late';
    const mk = (dt: number, state: 'online' | 'offline', rtt: number | null): ReportV1 =>
      toReport(
        {
          bootId: 'boot-a',
          seq0: 1,
          baseDtMs: dt,
          samples: [{ iface: 'wan', dtMs: 0, state, rttAvgMs: rtt, lossPct: 0, jitterMs: 1 }],
        },
        id,
      );
    await merge(liveUpdateOf(mk(0, 'online', 12), T0));
    await merge(liveUpdateOf(mk(-30_000, 'offline', 99), T0 + 1));
    let live = parseLive(await redis.hgetall(keys.live(id)))!;
    assert.equal(live.ifaces.wan!.state, 'online');
    assert.equal(live.ifaces.wan!.rttAvgMs, 12);
    await merge(liveUpdateOf(mk(5_000, 'offline', null), T0 + 2));
    live = parseLive(await redis.hgetall(keys.live(id)))!;
    assert.equal(live.ifaces.wan!.state, 'offline');
    assert.equal(live.ifaces.wan!.rttAvgMs, 12, 'null rtt keeps the last one, as nextLive does');
    assert.deepEqual(live.policies, []);
    assert.equal(live.lastSeenMs, T0 + 2);
  });

  it('an update the script cannot take fails only its own request; the others of the tick succeed', async () => {
    const good = (id: string): LiveUpdate => ({
      id,
      lastSeenMs: T0,
      bootIdJson: '"boot-a"',
      lastSeq: 3,
      reportIntervalMs: 5000,
      ifaces: { wan: { state: 'online', timeMs: T0, rttAvgMs: 1, lossPct: 0, jitterMs: 0 } },
    });
    // A lone surrogate (never admitted by the schema) makes the script's JSON decoder fail.
    const bad: LiveUpdate = { ...good('dev-bad'), ifaces: { 'wan\ud800': good('x').ifaces.wan! } };
    const results = await Promise.allSettled([merge(good('dev-ok1')), merge(bad), merge(good('dev-ok2'))]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    const err = (results[1] as PromiseRejectedResult).reason as { code?: string; status?: number };
    assert.equal(err.code, 'storage_rejected');
    assert.equal(err.status, 422);
    assert.equal(parseLive(await redis.hgetall(keys.live('dev-ok2')))?.ifaces.wan?.state, 'online');
  });

  it('the merges of one tick publish one change notice naming their devices', async () => {
    const sub = redis.duplicate();
    const notices: string[][] = [];
    await sub.subscribe(keys.liveChanges);
    sub.on('message', (_ch: string, msg: string) => notices.push(parseLiveChange(msg)));
    try {
      const up = (id: string): LiveUpdate => ({
        id,
        lastSeenMs: T0,
        bootIdJson: '"boot-a"',
        lastSeq: 1,
        reportIntervalMs: 5000,
        ifaces: { wan: { state: 'online', timeMs: T0, rttAvgMs: 1, lossPct: 0, jitterMs: 0 } },
      });
      await Promise.all([merge(up('n1')), merge(up('n2')), merge(up('n1')), merge(up('n3'))]);
      // A later batch's notice marks the end of the first batch's (pub/sub keeps the order).
      await merge(up('n-end'));
      const deadline = Date.now() + 10_000;
      while (!notices.some((n) => n.includes('n-end')) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(notices, [['n1', 'n2', 'n3'], ['n-end']]);
    } finally {
      sub.disconnect();
    }
  });
});

describe('per-tick batches', () => {
  it('a batch error that isolate() blames on data is retried item by item; others fail together', async () => {
    const runs: number[][] = [];
    const run = async (items: number[]) => {
      runs.push(items);
      if (items.includes(2)) throw Object.assign(new Error('bad data'), { data: true });
      if (items.includes(-1)) throw new Error('connection lost');
    };
    const batch = batchPerTick<number>(run, { isolate: (e) => (e as { data?: boolean }).data === true });
    const r1 = await Promise.allSettled([1, 2, 3].map(batch));
    assert.deepEqual(
      r1.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(runs, [[1, 2, 3], [1], [2], [3]]);
    const r2 = await Promise.allSettled([4, -1].map(batch));
    assert.deepEqual(
      r2.map((r) => r.status),
      ['rejected', 'rejected'],
      'a transient error is not split',
    );
  });
});
