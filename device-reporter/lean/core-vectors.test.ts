import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { TargetResult, TargetStatus } from '../../contract/index.ts';
import { parseMwan3Config } from '../config/mwan3-config.ts';
import { computePolicySplits } from '../policies/compute-policy-splits.ts';
import type { ProbeResult } from '../tracker/prober.ts';
import { classifyTarget, ifaceMetrics, roundVerdict, type QualityOptions } from '../tracker/round.ts';
import { applyRound, firstConnect, type ScoreOptions } from '../tracker/score-machine.ts';
import { buildLean, normalizeJson, root, runHarness } from './lean-run.ts';

/**
 * The tracker's truth tables and test vectors through the Lua build: the score machine
 * (mwan3track's arithmetic), target classification, round verdicts, interface metrics and policy
 * splits give the same results as the Node build, whose own tests pin them (tracker/*.test.ts).
 */

/** A small deterministic generator, so a failure names a reproducible case. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const D5U5: ScoreOptions = {
  up: 5,
  down: 5,
  initialState: 'online',
  intervalS: 10,
  failureIntervalS: 3,
  recoveryIntervalS: 2,
  keepFailureInterval: false,
};
const WORKED_EXAMPLE = 'xxo' + 'xxxxx' + 'x' + 'oo' + 'x' + 'ooooo';

function scoreCases(): { opts: ScoreOptions; rounds: { ok: boolean; lost: number }[] }[] {
  const rnd = prng(16);
  const cases = [{ opts: D5U5, rounds: [...WORKED_EXAMPLE].map((c) => ({ ok: c === 'o', lost: c === 'o' ? 0 : 1 })) }];
  for (let n = 0; n < 60; n++) {
    const opts: ScoreOptions = {
      up: 1 + Math.floor(rnd() * 6),
      down: 1 + Math.floor(rnd() * 6),
      initialState: rnd() < 0.5 ? 'online' : 'offline',
      intervalS: 1 + Math.floor(rnd() * 10),
      failureIntervalS: 1 + Math.floor(rnd() * 5),
      recoveryIntervalS: 1 + Math.floor(rnd() * 5),
      keepFailureInterval: rnd() < 0.3,
    };
    const rounds = Array.from({ length: 40 }, () => {
      const ok = rnd() < 0.55;
      return { ok, lost: ok ? Math.floor(rnd() * 2) : 1 + Math.floor(rnd() * 2) };
    });
    cases.push({ opts, rounds });
  }
  return cases;
}

const Q: QualityOptions = {
  checkQuality: true,
  failureLatencyMs: 1000,
  recoveryLatencyMs: 500,
  failureLossPct: 40,
  recoveryLossPct: 10,
};
const probe = (p: Partial<ProbeResult>): ProbeResult => ({
  target: 't',
  ok: true,
  sent: 10,
  received: 10,
  lossPct: 0,
  rttAvgMs: 20,
  rttMinMs: 10,
  rttMaxMs: 30,
  ...p,
});
const PROBES: Partial<ProbeResult>[] = [
  { lossPct: 40 },
  { lossPct: 39, rttAvgMs: 20 },
  { lossPct: 10 },
  { lossPct: 11 },
  { rttAvgMs: 1000 },
  { rttAvgMs: 999.9 },
  { rttAvgMs: 500.9 },
  { rttAvgMs: 501 },
  { ok: false },
  { lossPct: 100, rttAvgMs: null },
];

function target(rnd: () => number, i: number): TargetResult {
  const sent = Math.floor(rnd() * 4);
  const received = Math.min(sent, Math.floor(rnd() * 4));
  const rtt = received > 0 && rnd() < 0.9 ? Math.round(rnd() * 300_000) / 1000 : null;
  return {
    target: `10.0.0.${i}`,
    status: received > 0 ? 'up' : 'down',
    sent,
    received,
    rttAvgMs: rtt,
    rttMinMs: rtt === null ? null : Math.round(rtt * 500) / 1000,
    rttMaxMs: rtt === null ? null : Math.round(rtt * 1500) / 1000,
    lossPct: sent > 0 ? Math.round(((sent - received) * 100_000) / sent) / 1000 : null,
    jitterMs: rtt === null ? null : Math.round(rnd() * 9_000) / 1000,
  };
}

function vectors() {
  const rnd = prng(1601);
  const statuses: TargetStatus[] = ['up', 'down', 'skipped', 'unknown'];
  const mwan3 = readFileSync(join(root, 'fixtures', 'seed', 'etc-config-mwan3'), 'utf8');
  const links = ['eth0', 'eth1', 'wlm0'];
  return {
    score: scoreCases(),
    classify: PROBES.flatMap((p) => [
      { probe: probe(p), opts: Q },
      { probe: probe(p), opts: { ...Q, checkQuality: false } },
    ]),
    verdict: Array.from({ length: 40 }, () => ({
      statuses: Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => statuses[Math.floor(rnd() * 4)]!),
      reliability: 1 + Math.floor(rnd() * 3),
    })),
    metrics: Array.from({ length: 40 }, () => Array.from({ length: Math.floor(rnd() * 4) }, (_, i) => target(rnd, i))),
    policies: [0, 1, 2, 3, 4, 5, 6, 7].map((mask) => ({ mwan3, online: links.filter((_, i) => mask & (1 << i)) })),
  };
}

function inNode(v: ReturnType<typeof vectors>) {
  return {
    score: v.score.map((c) => {
      let s = firstConnect(c.opts);
      const steps: unknown[] = [s];
      for (const r of c.rounds) {
        const step = applyRound(s, r.ok, r.lost, c.opts);
        s = step.state;
        steps.push(step);
      }
      return steps;
    }),
    classify: v.classify.map((c) => classifyTarget(c.probe, c.opts)),
    verdict: v.verdict.map((c) => roundVerdict(c.statuses, c.reliability)),
    metrics: v.metrics.map((t) => ifaceMetrics(t)),
    policies: v.policies.map((c) => computePolicySplits(parseMwan3Config(c.mwan3), c.online)),
  };
}

before(() => buildLean());

describe('lean build: the tracker and policy core gives the Node build results', () => {
  it('score machine, classification, verdicts, metrics and policy splits', async () => {
    const v = vectors();
    const r = await runHarness(['vectors'], { input: JSON.stringify(v) });
    assert.equal(r.code, 0, r.stderr);
    const lua = JSON.parse(r.stdout) as ReturnType<typeof inNode>;
    const node = inNode(v);
    // The worked example of the Node tests, as they state it.
    const scores = (lua.score[0] as { state: { score: number } }[]).slice(1).map((s) => s.state.score);
    assert.deepEqual(scores, [9, 8, 10, 9, 8, 7, 6, 0, 0, 1, 2, 0, 1, 2, 3, 4, 10]);
    for (const k of ['score', 'classify', 'verdict', 'metrics', 'policies'] as const) {
      const a = normalizeJson(lua[k]) as unknown[];
      const b = normalizeJson(node[k]) as unknown[];
      assert.equal(a.length, b.length, k);
      for (let i = 0; i < b.length; i++) assert.deepEqual(a[i], b[i], `${k}[${i}]: ${JSON.stringify(v[k][i])}`);
    }
  });
});
