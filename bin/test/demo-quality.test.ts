import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { qualityThresholds } from '../../alerting/core/quality-events.ts';
import { addRound, emptyQuality, type QualityChange } from '../../alerting/core/quality.ts';
import { demoQualityOptions } from '../demo/demo-quality.ts';
import { conditionAt } from '../demo/link-script.ts';
import { createSimulatedProber } from '../demo/simulated-prober.ts';

/** A seeded generator, so the test sees the same simulated losses every run. */
function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

describe('demo: the degraded router emails DEGRADED within its story', () => {
  it('demo settings scale the window to the cycle; variables the operator set win', () => {
    assert.deepEqual(demoQualityOptions(120_000, 2, {}), { qualityWindowMs: 15_000, qualityMinDurationMs: 3_000 });
    assert.deepEqual(demoQualityOptions(10_000, 2, {}), { qualityWindowMs: 10_000, qualityMinDurationMs: 2_000 });
    assert.deepEqual(demoQualityOptions(120_000, 2, { WANWATCH_QUALITY_WINDOW_MS: '1' }), {
      qualityMinDurationMs: 3_000,
    });
  });

  it('with the demo defaults (120 s cycle, 2 s rounds), eth0 of the degraded story enters and leaves inside it', async () => {
    const cycleMs = 120_000;
    const intervalMs = 2_000;
    const th = qualityThresholds(demoQualityOptions(cycleMs, intervalMs / 1000, {}))!;
    let now = 0;
    const prober = createSimulatedProber({
      story: 'degraded',
      cycleMs,
      startedAtMs: 0,
      nowMs: () => now,
      random: seeded(7),
    });
    const probe = async (target: string) => {
      const ac = new AbortController();
      const req = {
        target,
        device: 'eth0',
        family: 'ipv4' as const,
        method: 'ping',
        count: 1,
        timeoutS: 1,
        sizeBytes: 56,
        maxTtl: 60,
      };
      const p = prober.probe(req, ac.signal);
      ac.abort(); // the simulated wait of a lost ping, not needed here
      return p;
    };
    let state = emptyQuality();
    const changes: QualityChange[] = [];
    for (now = 0; now < cycleMs; now += intervalMs) {
      const results = await Promise.all(['192.0.2.1', '198.51.100.1'].map(probe));
      const rtts = results.map((r) => r.rttAvgMs).filter((x): x is number => x !== null);
      const round = {
        timeMs: now,
        up: conditionAt('degraded', 'eth0', now, cycleMs) !== 'down',
        lossPct: results.reduce((a, r) => a + (r.lossPct ?? 100), 0) / results.length,
        rttAvgMs: rtts.length ? rtts.reduce((a, b) => a + b, 0) / rtts.length : null,
        jitterMs: null,
      };
      const step = addRound(state, round, th);
      state = step.state;
      if (step.change) changes.push(step.change);
    }
    assert.deepEqual(
      changes.map((c) => c.kind),
      ['enter', 'leave'],
    );
    // The story: eth0 degraded from 12 s to 42 s, down from 66 s.
    assert.ok(changes[0]!.atMs > 12_000 && changes[0]!.atMs < 42_000, `DEGRADED at ${changes[0]!.atMs} ms`);
    assert.ok(changes[1]!.atMs > 42_000 && changes[1]!.atMs < 66_000, `RECOVERED at ${changes[1]!.atMs} ms`);
  });
});
