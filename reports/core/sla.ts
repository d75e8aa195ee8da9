import type { SlaResult, UptimeFigures } from './types.ts';

export type { SlaResult };

/**
 * The SLA verdict of one internet (or link) figure set. Availability is compared unrounded (the
 * target to 3 decimals, in integers, so 99.9 % of 1 000 s allows exactly 1 s).
 *
 * | target | online | offline | coverage ok | met   | allowed | remaining |
 * |--------|--------|---------|-------------|-------|---------|-----------|
 * | none   | any    | any     | any         | (no SLA result) |||
 * | 99.9 % | 999 s  | 1 s     | yes         | true  | 1 s     | 0         |
 * | 99.9 % | 998 s  | 2 s     | yes         | false | 1 s     | −1 s      |
 * | 99.9 % | 1000 s | 0       | no          | null  | 1 s     | 1 s       |
 * | 99.9 % | 0      | 0       | —           | null  | 0       | 0         |
 */
export function slaOf(
  f: Pick<UptimeFigures, 'onlineMs' | 'offlineMs' | 'availabilityNote'>,
  targetPct: number | null | undefined,
): SlaResult | null {
  if (targetPct === null || targetPct === undefined) return null;
  const measured = f.onlineMs + f.offlineMs;
  const allowedDowntimeMs = Math.round((measured * (100 - targetPct)) / 100);
  const met =
    measured === 0 || f.availabilityNote !== null
      ? null
      : f.onlineMs * 100_000 >= Math.round(targetPct * 1000) * measured;
  return { targetPct, met, allowedDowntimeMs, remainingBudgetMs: allowedDowntimeMs - f.offlineMs };
}
