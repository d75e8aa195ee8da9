/**
 * Cloud-side link quality: is a link that is up still good enough to carry traffic? Evaluated
 * from the probe rounds the device already reports (one summary per round), over a sliding window,
 * against enter/leave thresholds held for a minimum duration, so a brownout alerts once and a
 * borderline link does not flap. Incremental: the state of a link is its last rounds (at most
 * `QUALITY_MAX_ROUNDS`, pruned to the window) and a pending change; history is never rescanned.
 */

/** One probe round of one link, as ingest queues it (figures of the round over all its targets). */
export interface QualityRound {
  timeMs: number;
  /** Up (online or disconnecting): only rounds of a link that is up say anything about its quality. */
  up: boolean;
  lossPct: number | null;
  rttAvgMs: number | null;
  jitterMs: number | null;
}

/** Thresholds: a figure at or above `…EnterX` starts a brownout; all below `…LeaveX` ends it. */
export interface QualityThresholds {
  windowMs: number;
  minDurationMs: number;
  /** Fewer rounds than this in the window decide nothing (a link that just came up). */
  minRounds: number;
  lossEnterPct: number;
  lossLeavePct: number;
  rttP95EnterMs: number;
  rttP95LeaveMs: number;
  jitterEnterMs: number;
  jitterLeaveMs: number;
}

/** On by default; sane for DSL and cable, loose enough for LTE (docs/alerts.md, "Link quality"). */
export const DEFAULT_QUALITY_THRESHOLDS: QualityThresholds = {
  windowMs: 5 * 60_000,
  minDurationMs: 60_000,
  minRounds: 3,
  lossEnterPct: 10,
  lossLeavePct: 5,
  rttP95EnterMs: 300,
  rttP95LeaveMs: 200,
  jitterEnterMs: 60,
  jitterLeaveMs: 40,
};

/** Bound on the rounds kept per link, whatever the window and the device's round interval. */
export const QUALITY_MAX_ROUNDS = 120;

export interface QualityFigures {
  lossPct: number;
  rttP50Ms: number | null;
  rttP95Ms: number | null;
  jitterMs: number | null;
  rounds: number;
  windowMs: number;
}

export interface LinkQualityState {
  rounds: QualityRound[];
  /** Cloud verdict: the link is in a brownout. */
  degraded: boolean;
  /** Since when the opposite verdict has held without a break (it changes after minDurationMs). */
  pendingSinceMs: number | null;
  /** Figures when the verdict last changed (shown in the email). */
  figures: QualityFigures | null;
}

export function emptyQuality(): LinkQualityState {
  return { rounds: [], degraded: false, pendingSinceMs: null, figures: null };
}

export type QualityChange = { kind: 'enter' | 'leave'; atMs: number; figures: QualityFigures };

/** Nearest-rank percentile of sorted values (`p` in 0…100). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/**
 * Window figures of the rounds of a link that is up: loss is the mean of the rounds' loss, RTT
 * percentiles are over the rounds' mean RTTs (a lost round has none), jitter is the mean.
 */
export function windowFigures(rounds: readonly QualityRound[], windowMs: number): QualityFigures {
  const up = rounds.filter((r) => r.up);
  const losses = up.map((r) => r.lossPct).filter((x): x is number => x !== null);
  const rtts = up
    .map((r) => r.rttAvgMs)
    .filter((x): x is number => x !== null)
    .sort((a, b) => a - b);
  const jitters = up.map((r) => r.jitterMs).filter((x): x is number => x !== null);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  return {
    lossPct: mean(losses) ?? 0,
    rttP50Ms: percentile(rtts, 50),
    rttP95Ms: percentile(rtts, 95),
    jitterMs: mean(jitters),
    rounds: up.length,
    windowMs,
  };
}

/**
 * The verdict the window's figures ask for, with hysteresis between the enter and leave thresholds:
 *
 * | degraded now | any figure ≥ its enter threshold | every figure < its leave threshold | wanted |
 * |---|---|---|---|
 * | no  | yes | – | degraded |
 * | no  | no  | – | good |
 * | yes | – | yes | good |
 * | yes | – | no  | degraded (between leave and enter stays degraded) |
 * | any | fewer than minRounds rounds | – | no change |
 */
export function wantedVerdict(f: QualityFigures, degraded: boolean, t: QualityThresholds): boolean {
  if (f.rounds < t.minRounds) return degraded;
  const ge = (x: number | null, lim: number) => x !== null && x >= lim;
  const lt = (x: number | null, lim: number) => x === null || x < lim;
  if (!degraded)
    return ge(f.lossPct, t.lossEnterPct) || ge(f.rttP95Ms, t.rttP95EnterMs) || ge(f.jitterMs, t.jitterEnterMs);
  return !(lt(f.lossPct, t.lossLeavePct) && lt(f.rttP95Ms, t.rttP95LeaveMs) && lt(f.jitterMs, t.jitterLeaveMs));
}

/**
 * Adds one round and decides (pure; the round's device time is the clock). Rounds not newer than
 * the last one kept are ignored, so a replayed batch changes nothing.
 *
 * | round | wanted ≠ current | held since pendingSinceMs ≥ minDurationMs | result |
 * |---|---|---|---|
 * | link not up | – | – | window cleared, verdict good, no change emitted (the link down/up story tells it) |
 * | up | no  | – | pending cleared, no change |
 * | up | yes | no  | pending starts (or continues), no change |
 * | up | yes | yes | verdict flips: `enter` or `leave` |
 */
export function addRound(
  prev: LinkQualityState,
  round: QualityRound,
  t: QualityThresholds,
): { state: LinkQualityState; change: QualityChange | null } {
  const last = prev.rounds[prev.rounds.length - 1];
  if (last && round.timeMs <= last.timeMs) return { state: prev, change: null };
  if (!round.up) return { state: { ...emptyQuality(), rounds: [round] }, change: null };
  const rounds = [...prev.rounds, round].filter((r) => r.timeMs > round.timeMs - t.windowMs && r.up);
  const kept = rounds.slice(-QUALITY_MAX_ROUNDS);
  const figures = windowFigures(kept, t.windowMs);
  const wanted = wantedVerdict(figures, prev.degraded, t);
  if (wanted === prev.degraded) return { state: { ...prev, rounds: kept, pendingSinceMs: null }, change: null };
  const since = prev.pendingSinceMs ?? round.timeMs;
  if (round.timeMs - since < t.minDurationMs) {
    return { state: { ...prev, rounds: kept, pendingSinceMs: since }, change: null };
  }
  return {
    state: { rounds: kept, degraded: wanted, pendingSinceMs: null, figures },
    change: { kind: wanted ? 'enter' : 'leave', atMs: round.timeMs, figures },
  };
}

/** Adds a batch of rounds of one link in time order; returns every verdict change. */
export function addRounds(
  prev: LinkQualityState,
  rounds: readonly QualityRound[],
  t: QualityThresholds,
): { state: LinkQualityState; changes: QualityChange[] } {
  let state = prev;
  const changes: QualityChange[] = [];
  for (const r of [...rounds].sort((a, b) => a.timeMs - b.timeMs)) {
    const step = addRound(state, r, t);
    state = step.state;
    if (step.change) changes.push(step.change);
  }
  return { state, changes };
}

/**
 * One link's degraded verdict as people see it: router-side (`warn_*` of mwan3, reported on
 * transitions) and cloud-side combined, so the two never send two emails for one brownout.
 *
 * | router degraded | cloud degraded | link degraded |
 * |---|---|---|
 * | no | no | no |
 * | yes | no | yes (source router) |
 * | no | yes | yes (source cloud) |
 * | yes | yes | yes (one incident) |
 */
export function combinedDegraded(router: boolean, cloud: boolean): boolean {
  return router || cloud;
}
