import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { QualityRoundSummary } from '../../store/index.ts';
import { applyDeviceEvents } from '../core/apply-events.ts';
import { flushGroup } from '../core/flush.ts';
import {
  addRound,
  addRounds,
  DEFAULT_QUALITY_THRESHOLDS,
  emptyQuality,
  percentile,
  wantedVerdict,
  windowFigures,
  type QualityRound,
} from '../core/quality.ts';
import { parseScopeField, resolveThresholds, scopeField } from '../core/quality-overrides.ts';
import { renderNotice } from '../core/render.ts';
import { emptyDeviceState, type DeviceAlertState } from '../core/state.ts';
import { resolveAlertingOptions } from '../options.ts';
import { job, T0, tr } from './fixtures.ts';

const th = DEFAULT_QUALITY_THRESHOLDS; // window 5 min, min duration 60 s, loss 10/5 %, p95 300/200 ms, jitter 60/40 ms
const ROUND_MS = 10_000;
const round = (i: number, lossPct: number, rttAvgMs: number | null = 20, up = true): QualityRound => ({
  timeMs: T0 + i * ROUND_MS,
  up,
  lossPct,
  rttAvgMs,
  jitterMs: 2,
});
/** Rounds i0…i1-1 with the same figures. */
const rounds = (i0: number, i1: number, lossPct: number, rttAvgMs: number | null = 20, up = true) =>
  Array.from({ length: i1 - i0 }, (_, k) => round(i0 + k, lossPct, rttAvgMs, up));

describe('quality figures', () => {
  it('nearest-rank percentiles', () => {
    assert.equal(percentile([], 95), null);
    assert.equal(percentile([5], 95), 5);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50), 5);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95), 10);
  });
  it('only rounds of a link that is up count', () => {
    const f = windowFigures([round(0, 0), round(1, 100, null, false), round(2, 30)], th.windowMs);
    assert.equal(f.rounds, 2);
    assert.equal(f.lossPct, 15);
  });
});

describe('wantedVerdict truth table (hysteresis)', () => {
  const f = (lossPct: number, rttP95Ms: number | null, jitterMs: number | null, n = 10) => ({
    lossPct,
    rttP50Ms: rttP95Ms,
    rttP95Ms,
    jitterMs,
    rounds: n,
    windowMs: th.windowMs,
  });
  const table: Array<[string, ReturnType<typeof f>, boolean, boolean]> = [
    ['clean stays good', f(0, 20, 2), false, false],
    ['loss at enter threshold', f(10, 20, 2), false, true],
    ['RTT p95 at enter threshold', f(0, 300, 2), false, true],
    ['jitter at enter threshold', f(0, 20, 60), false, true],
    ['between leave and enter: good stays good', f(7, 250, 50), false, false],
    ['between leave and enter: degraded stays degraded', f(7, 250, 50), true, true],
    ['all below leave: recovers', f(4, 199, 39), true, false],
    ['one figure at leave: stays degraded', f(5, 20, 2), true, true],
    ['too few rounds: no change (good)', f(50, 900, 90, 2), false, false],
    ['too few rounds: no change (degraded)', f(0, 20, 2, 2), true, true],
    ['no RTT (all lost) with high loss', f(100, null, null), false, true],
  ];
  for (const [name, figures, degraded, wanted] of table) {
    it(name, () => assert.equal(wantedVerdict(figures, degraded, th), wanted));
  }
});

describe('addRounds: minimum duration and windows', () => {
  it('30 % loss for 6 minutes: enters once after the minimum duration, leaves once when the window is clean', () => {
    const seq = [...rounds(0, 30, 0), ...rounds(30, 66, 30), ...rounds(66, 120, 0)];
    const { changes } = addRounds(emptyQuality(), seq, th);
    assert.deepEqual(
      changes.map((c) => c.kind),
      ['enter', 'leave'],
    );
    // 30 % loss reaches 10 % window loss after 10 bad rounds, plus 60 s held.
    assert.equal(changes[0]!.atMs, T0 + (30 + 10 - 1 + 6) * ROUND_MS);
    assert.ok(changes[0]!.figures.lossPct >= 10);
    assert.ok(changes[1]!.atMs > T0 + 66 * ROUND_MS, 'leaves after the loss ended');
  });
  it('a burst held for less than the minimum duration does not alert; a longer one does', () => {
    const short = { ...th, windowMs: 30_000, minRounds: 1 }; // 3 rounds per window, 60 s minimum duration
    const burst = (n: number) => [...rounds(0, 30, 0), ...rounds(30, 30 + n, 50), ...rounds(30 + n, 100, 0)];
    // 4 bad rounds: the window is bad for 6 rounds (50 s) < 60 s.
    assert.deepEqual(addRounds(emptyQuality(), burst(4), short).changes, []);
    // 8 bad rounds: bad for 10 rounds (90 s): one brownout, then recovered after 60 s clean.
    assert.deepEqual(
      addRounds(emptyQuality(), burst(8), short).changes.map((c) => c.kind),
      ['enter', 'leave'],
    );
  });
  it('a clean link never changes', () => {
    assert.deepEqual(addRounds(emptyQuality(), rounds(0, 200, 1, 30), th).changes, []);
  });
  it('a high RTT p95 alone degrades', () => {
    const { changes } = addRounds(emptyQuality(), rounds(0, 40, 0, 400), th);
    assert.deepEqual(
      changes.map((c) => c.kind),
      ['enter'],
    );
  });
  it('oscillating around one threshold does not flap (hysteresis)', () => {
    const seq = Array.from({ length: 200 }, (_, i) => round(i, i % 2 ? 14 : 4)); // window ~9 %, between 5 and 10
    const degradedFirst = addRounds(emptyQuality(), rounds(-40, 0, 30), th).state;
    assert.equal(degradedFirst.degraded, true);
    assert.deepEqual(addRounds(degradedFirst, seq, th).changes, [], 'stays degraded between leave and enter');
    assert.deepEqual(addRounds(emptyQuality(), seq, th).changes, [], 'stays good between leave and enter');
  });
  it('a replayed round changes nothing; memory is bounded', () => {
    const a = addRounds(emptyQuality(), rounds(0, 500, 0), { ...th, windowMs: 24 * 3_600_000 }).state;
    assert.ok(a.rounds.length <= 120);
    assert.equal(addRound(a, round(10, 100), th).state, a);
  });
  it('a round of a link that is down clears the window without an event', () => {
    const deg = addRounds(emptyQuality(), rounds(0, 40, 50), th).state;
    assert.equal(deg.degraded, true);
    const r = addRound(deg, round(41, 100, null, false), th);
    assert.equal(r.change, null);
    assert.equal(r.state.degraded, false);
  });
});

const opts = resolveAlertingOptions({ groupWaitMs: 10_000 });
const summaries = (iface: string, rs: QualityRound[]): QualityRoundSummary[] => rs.map((r) => ({ iface, ...r }));

function steady(): DeviceAlertState {
  const r = applyDeviceEvents(emptyDeviceState('ce-1'), job('ce-1', [tr(1, 'eth0', 'unknown', 'online')]), T0, opts);
  return r.state;
}
/** Applies rounds as one job per report of 6 rounds (a 60 s report interval). */
function feed(s: DeviceAlertState, iface: string, rs: QualityRound[]) {
  const added = [];
  const records = [];
  for (let i = 0; i < rs.length; i += 6) {
    const batch = rs.slice(i, i + 6);
    const r = applyDeviceEvents(s, job('ce-1', [], { rounds: summaries(iface, batch) }), batch[0]!.timeMs, opts);
    added.push(...r.added);
    records.push(...r.quality);
    s = r.state.group ? flushGroup(r.state, r.state.group.id, batch[0]!.timeMs + 10_000, []).state : r.state;
  }
  return { state: s, added, records };
}

describe('alerting with cloud-side quality', () => {
  it('one DEGRADED and one RECOVERED, with figures, recorded as cloud', () => {
    const { added, records } = feed(steady(), 'eth0', [
      ...rounds(0, 30, 0),
      ...rounds(30, 66, 30),
      ...rounds(66, 132, 0),
    ]);
    assert.deepEqual(
      added.map((e) => e.kind),
      ['link_degraded', 'link_recovered'],
    );
    assert.deepEqual(
      records.map((r) => [r.degraded, r.source]),
      [
        [true, 'cloud'],
        [false, 'cloud'],
      ],
    );
    const s = applyDeviceEvents(steady(), job('ce-1', [], { rounds: summaries('eth0', rounds(0, 36, 30)) }), T0, opts);
    const f = flushGroup(s.state, s.state.group!.id, T0 + 10_000, []);
    const subject = renderNotice(f.notice!, {
      device: { id: 'ce-1', name: 'R', site: null },
      mode: null,
      ifaces: new Map(),
      policies: new Map(),
      dashboardUrl: null,
    }).subject;
    assert.match(subject, /eth0 DEGRADED: loss 30 %, RTT p95 20 ms, jitter 2 ms over 5 min/);
  });
  it('a replayed job adds nothing', () => {
    const s = steady();
    const j = job('ce-1', [], { rounds: summaries('eth0', rounds(0, 36, 30)) });
    const a = applyDeviceEvents(s, j, T0, opts);
    assert.equal(a.added.length, 1);
    assert.equal(applyDeviceEvents(a.state, j, T0, opts).added.length, 0);
  });
  it('a link that goes down while degraded: DEGRADED, DOWN, UP — no RECOVERED in between', () => {
    const deg = feed(steady(), 'eth0', rounds(0, 36, 30));
    assert.deepEqual(
      deg.added.map((e) => e.kind),
      ['link_degraded'],
    );
    const down = applyDeviceEvents(
      deg.state,
      job('ce-1', [tr(5, 'eth0', 'online', 'offline', T0 + 37 * ROUND_MS)], {
        rounds: summaries('eth0', [...rounds(36, 37, 40), round(37, 100, null, false)]),
      }),
      T0 + 37 * ROUND_MS,
      opts,
    );
    assert.deepEqual(
      down.added.map((e) => e.kind),
      ['link_down'],
    );
    const up = applyDeviceEvents(
      down.state,
      job('ce-1', [tr(6, 'eth0', 'offline', 'online', T0 + 50 * ROUND_MS)], {
        rounds: summaries('eth0', rounds(50, 56, 0)),
      }),
      T0 + 50 * ROUND_MS,
      opts,
    );
    assert.deepEqual(
      up.added.map((e) => e.kind),
      ['link_up'],
    );
  });
  it('router-side and cloud-side agree: one incident, not two', () => {
    const routerDeg = applyDeviceEvents(
      steady(),
      job('ce-1', [tr(5, 'eth0', 'online', 'online', T0, { degraded: true })]),
      T0,
      opts,
    );
    assert.deepEqual(
      routerDeg.added.map((e) => e.kind),
      ['link_degraded'],
    );
    const both = feed(routerDeg.state, 'eth0', rounds(1, 37, 30));
    assert.deepEqual(both.added, [], 'the cloud verdict joins the open router-side incident');
    assert.deepEqual(
      both.records.map((r) => [r.degraded, r.source]),
      [[true, 'cloud']],
    );
    const routerOk = applyDeviceEvents(
      both.state,
      job('ce-1', [tr(6, 'eth0', 'online', 'online', T0 + 40 * ROUND_MS, { degraded: false })]),
      T0 + 40 * ROUND_MS,
      opts,
    );
    assert.deepEqual(routerOk.added, [], 'still degraded by the cloud verdict: no RECOVERED yet');
    const clean = feed(routerOk.state, 'eth0', rounds(41, 100, 0));
    assert.deepEqual(
      clean.added.map((e) => e.kind),
      ['link_recovered'],
    );
  });
  it('evaluation off (window 0): rounds do nothing', () => {
    const off = resolveAlertingOptions({ qualityWindowMs: 0 });
    const r = applyDeviceEvents(steady(), job('ce-1', [], { rounds: summaries('eth0', rounds(0, 60, 50)) }), T0, off);
    assert.deepEqual(r.added, []);
  });
});

describe('threshold overrides', () => {
  it('the most specific override wins, per threshold', () => {
    const r = resolveThresholds(th, {
      site: { lossEnterPct: 20, rttP95EnterMs: 900 },
      device: { lossEnterPct: 30 },
      link: { lossEnterPct: 40 },
    });
    assert.deepEqual([r.lossEnterPct, r.rttP95EnterMs, r.lossLeavePct], [40, 900, th.lossLeavePct]);
    assert.deepEqual(resolveThresholds(th, {}), th);
    assert.equal(resolveThresholds(th, { site: { lossEnterPct: 20 }, device: { lossEnterPct: 30 } }).lossEnterPct, 30);
  });
  it('scope fields keep any name as data', () => {
    for (const scope of [
      { scope: 'site' as const, site: '__proto__' },
      { scope: 'device' as const, deviceId: 'ce:1' },
      { scope: 'link' as const, deviceId: 'ce-1', iface: 'a"b\\c' },
    ])
      assert.deepEqual(parseScopeField(scopeField(scope)), scope);
    assert.equal(parseScopeField('not json'), null);
    assert.equal(parseScopeField('["link","x"]'), null);
  });
});
