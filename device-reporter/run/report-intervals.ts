import type { LoadedTracking } from '../config/load-tracked.ts';

/**
 * How often records are produced: the shortest tracking interval (mwan3 polls are capped at 10 s);
 * with nothing tracked, the policy snapshots. The status file is rewritten at least this often.
 */
export function sampleIntervalMs(
  tracking: LoadedTracking,
  source: 'native' | 'mwan3',
  policyIntervalMs: number,
): number {
  const intervals = tracking.interfaces.map((i) => i.options.intervalS * 1000);
  if (intervals.length === 0) return policyIntervalMs;
  const shortest = Math.min(...intervals);
  return source === 'mwan3' ? Math.min(shortest, 10_000) : shortest;
}

/**
 * How often reports arrive, which is what the cloud watchdog times (3x this): samples are taken
 * every tracking interval but batched for up to the uploader's `maxDelayMs`. Clamped to 100 ms..1 h.
 */
export function reportIntervalMs(sampleMs: number, maxDelayMs: number): number {
  return Math.max(100, Math.min(3_600_000, Math.max(sampleMs, maxDelayMs)));
}
