/**
 * Delivery retry plan: exponential backoff from `baseMs`, capped at `maxMs`, with as many attempts
 * as it takes for the waits to add up to at least `coverageMs` (the design asks for >= 24 h so a
 * day-long mail server outage loses nothing).
 *
 * | attemptsMade | delay before the next attempt |
 * |---|---|
 * | 1 | base |
 * | 2 | 2 × base |
 * | n | min(max, base × 2^(n-1)) |
 */
export function retryDelayMs(attemptsMade: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attemptsMade - 1, 40)));
}

/** Total attempts (first try included) so that the sum of delays covers `coverageMs`. */
export function attemptsForCoverage(baseMs: number, maxMs: number, coverageMs: number): number {
  let total = 0;
  let attempts = 1;
  while (total < coverageMs && attempts < 10_000) {
    total += retryDelayMs(attempts, baseMs, maxMs);
    attempts += 1;
  }
  return attempts;
}

/** Sum of all waits of a plan (for docs and tests). */
export function coveredMs(attempts: number, baseMs: number, maxMs: number): number {
  let total = 0;
  for (let n = 1; n < attempts; n++) total += retryDelayMs(n, baseMs, maxMs);
  return total;
}
