import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyTarget, ifaceMetrics, isDegraded, roundVerdict, toTargetResult } from './round.ts';
import type { ProbeResult } from './prober.ts';

const Q = {
  checkQuality: true,
  failureLatencyMs: 1000,
  recoveryLatencyMs: 500,
  failureLossPct: 40,
  recoveryLossPct: 10,
};
function probe(p: Partial<ProbeResult>): ProbeResult {
  return { target: 't', ok: true, sent: 10, received: 10, lossPct: 0, rttAvgMs: 20, rttMinMs: 10, rttMaxMs: 30, ...p };
}

describe('classifyTarget (mwan3-reference.md, Probes and target classification)', () => {
  it('without check_quality follows the exit code only', () => {
    assert.equal(classifyTarget(probe({ ok: true, lossPct: 90, rttAvgMs: 5000 }), { ...Q, checkQuality: false }), 'up');
    assert.equal(classifyTarget(probe({ ok: false }), { ...Q, checkQuality: false }), 'down');
  });
  it('check_quality bands: down, up, neutral', () => {
    const rows: [Partial<ProbeResult>, string][] = [
      [{ lossPct: 40 }, 'down'], // loss ≥ failure_loss
      [{ lossPct: 39, rttAvgMs: 20 }, 'skipped'], // between recovery and failure loss
      [{ lossPct: 10 }, 'up'], // loss ≤ recovery_loss
      [{ lossPct: 11 }, 'skipped'],
      [{ rttAvgMs: 1000 }, 'down'], // latency ≥ failure_latency
      [{ rttAvgMs: 999.9 }, 'skipped'], // truncated to 999: neutral band
      [{ rttAvgMs: 500.9 }, 'up'], // truncated to 500 ≤ recovery_latency
      [{ rttAvgMs: 501 }, 'skipped'],
      [{ ok: false }, 'down'], // failed probe: latency 999999, loss 100
      [{ lossPct: 100, rttAvgMs: null }, 'down'],
    ];
    for (const [p, want] of rows) assert.equal(classifyTarget(probe(p), Q), want, JSON.stringify(p));
  });
});

describe('roundVerdict (mwan3-reference.md, One round)', () => {
  it('needs reliability ups; neutral counts neither way', () => {
    assert.deepEqual(roundVerdict(['up', 'skipped'], 1), { roundOk: true, lostTargets: 0, hostUpCount: 1 });
    assert.deepEqual(roundVerdict(['down', 'up', 'skipped'], 2), { roundOk: false, lostTargets: 1, hostUpCount: 1 });
    assert.deepEqual(roundVerdict(['up', 'down', 'up'], 2), { roundOk: true, lostTargets: 1, hostUpCount: 2 });
    assert.equal(roundVerdict(['skipped', 'skipped'], 1).roundOk, false);
    assert.equal(roundVerdict(['up', 'up'], 3).roundOk, false); // reliability > targets
    assert.equal(roundVerdict(['down'], 0).roundOk, true); // reliability 0
  });
});

describe('metrics', () => {
  it('aggregates per interface and flags degraded only with thresholds set', () => {
    const a = toTargetResult(
      probe({ sent: 2, received: 2, rttAvgMs: 10, rttMinMs: 8, rttMaxMs: 12, lossPct: 0 }),
      'a',
      'up',
      14,
    );
    const b = toTargetResult(
      probe({ sent: 2, received: 1, rttAvgMs: 40, rttMinMs: 40, rttMaxMs: 40, lossPct: 50 }),
      'b',
      'up',
      null,
    );
    const c = toTargetResult(undefined, 'c', 'skipped', null);
    assert.equal(a.jitterMs, 4);
    assert.equal(b.jitterMs, null);
    const m = ifaceMetrics([a, b, c]);
    assert.deepEqual(m, { rttAvgMs: 20, rttMinMs: 8, rttMaxMs: 40, lossPct: 25, jitterMs: 4 });
    assert.equal(isDegraded(m, { warnRttMs: null, warnLossPct: null }), false);
    assert.equal(isDegraded(m, { warnRttMs: 20, warnLossPct: null }), true);
    assert.equal(isDegraded(m, { warnRttMs: null, warnLossPct: 30 }), false);
    assert.equal(isDegraded(m, { warnRttMs: null, warnLossPct: 25 }), true);
    assert.deepEqual(ifaceMetrics([c]), {
      rttAvgMs: null,
      rttMinMs: null,
      rttMaxMs: null,
      lossPct: null,
      jitterMs: null,
    });
  });
});
