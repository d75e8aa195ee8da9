import type { BlindGap } from '../../store/blindness.ts';
import type { AlertingOptions } from '../options.ts';

export type BlindnessOptions = Pick<AlertingOptions, 'reporterBackoffBaseMs' | 'reporterBackoffMaxMs'>;

/** What the sweep knows about the backend's own blindness. */
export interface BlindnessView {
  /** The receiving heartbeat is stale now: no API process can accept reports. */
  blindNow: boolean;
  /** Recent gaps (API heartbeat pauses and sweep pauses). */
  gaps: readonly BlindGap[];
}

export const NOT_BLIND: BlindnessView = { blindNow: false, gaps: [] };

/**
 * Whether the receiving heartbeat says the backend is blind right now:
 *
 * | last beat | result |
 * |---|---|
 * | none ever (no API process has run against this Redis, e.g. a workers-only test) | no |
 * | older than gapMs | yes |
 * | recent | no |
 */
export function blindNow(beatMs: number | null, nowMs: number, gapMs: number): boolean {
  return beatMs !== null && nowMs - beatMs > gapMs;
}

/**
 * Extra time a device gets after a gap of the backend, for its upload retry back-off to run out.
 * The reporter's n-th failure in a row waits a random time in [c/2, c], c = min(max, base × 2^(n−1)),
 * so a wait is at most 2 × the time spent failing + base; failing lasted at most the gap. The
 * allowance doubles that bound: min(max, 4 × gap + 2 × base).
 */
export function retryAllowanceMs(gap: BlindGap, opts: BlindnessOptions): number {
  const lengthMs = Math.max(0, gap.endMs - gap.startMs);
  return Math.min(opts.reporterBackoffMaxMs, 4 * lengthMs + 2 * opts.reporterBackoffBaseMs);
}

/**
 * Earliest time the watchdog may declare a device unreachable:
 *
 * | gaps that ended after the device was last heard | not before |
 * |---|---|
 * | none | lastSeen + timeout |
 * | some | the latest of lastSeen + timeout and, per such gap, its end + timeout + its allowance |
 *
 * A device heard after a gap ended had its back-off reset by that success: the gap no longer matters.
 */
export function unreachableNotBeforeMs(
  lastSeenMs: number,
  timeoutMs: number,
  gaps: readonly BlindGap[],
  opts: BlindnessOptions,
): number {
  let at = lastSeenMs + timeoutMs;
  for (const g of gaps) if (g.endMs > lastSeenMs) at = Math.max(at, g.endMs + timeoutMs + retryAllowanceMs(g, opts));
  return at;
}
