/**
 * Failed-authentication limits, per source address and per claimed device id. Pure bookkeeping with
 * the time passed in; auth.ts decides what a limit changes (see `authenticate`).
 *
 * Each key has a fixed window: failures are counted from the first failure for `windowMs`; at
 * `maxFailures` the key is limited until the window ends. Memory is bounded: at most `maxEntries`
 * keys are kept, the oldest window dropped first (a dropped key starts from zero, which only ever
 * errs towards letting a request be checked).
 */
export interface FailureLimitPolicy {
  maxFailures: number;
  windowMs: number;
  maxEntries: number;
}

export interface FailureWindow {
  startMs: number;
  failures: number;
}

/**
 * Whether a key is limited now, and for how long.
 *
 * | window                         | failures        | result                                   |
 * |--------------------------------|-----------------|------------------------------------------|
 * | none, or ended (now ≥ end)     | —               | not limited                              |
 * | running                        | < maxFailures   | not limited                              |
 * | running                        | ≥ maxFailures   | limited, retry after (end − now)         |
 */
export function limitState(
  w: FailureWindow | undefined,
  nowMs: number,
  policy: FailureLimitPolicy,
): { limited: false } | { limited: true; retryAfterMs: number } {
  if (!w) return { limited: false };
  const endMs = w.startMs + policy.windowMs;
  if (nowMs >= endMs || w.failures < policy.maxFailures) return { limited: false };
  return { limited: true, retryAfterMs: endMs - nowMs };
}

/** The window after one more failure: a new one when there was none or it ended. */
export function afterFailure(w: FailureWindow | undefined, nowMs: number, policy: FailureLimitPolicy): FailureWindow {
  if (!w || nowMs >= w.startMs + policy.windowMs) return { startMs: nowMs, failures: 1 };
  return { startMs: w.startMs, failures: w.failures + 1 };
}

/** One table of windows (Map: the keys are addresses and user-supplied ids). */
export function createFailureLimiter(policy: FailureLimitPolicy) {
  const windows = new Map<string, FailureWindow>();
  return {
    state(key: string, nowMs: number) {
      return limitState(windows.get(key), nowMs, policy);
    },
    fail(key: string, nowMs: number): void {
      const prev = windows.get(key);
      const next = afterFailure(prev, nowMs, policy);
      if (prev && prev.startMs === next.startMs) {
        windows.set(key, next);
        return;
      }
      // A new window goes to the end of the Map's order, so the first entry is the oldest window.
      windows.delete(key);
      while (windows.size >= policy.maxEntries) windows.delete(windows.keys().next().value!);
      windows.set(key, next);
    },
    get size() {
      return windows.size;
    },
  };
}
export type FailureLimiter = ReturnType<typeof createFailureLimiter>;

export interface AuthLimitSettings {
  /** Failed checks per source address per window before it is limited (default 30 per minute). */
  perSource?: Partial<FailureLimitPolicy>;
  /** Failed checks per claimed device id per window (default 10 per minute). */
  perDevice?: Partial<FailureLimitPolicy>;
}

export const DEFAULT_PER_SOURCE: FailureLimitPolicy = { maxFailures: 30, windowMs: 60_000, maxEntries: 20_000 };
export const DEFAULT_PER_DEVICE: FailureLimitPolicy = { maxFailures: 10, windowMs: 60_000, maxEntries: 20_000 };

export function createAuthLimiters(s: AuthLimitSettings = {}) {
  return {
    source: createFailureLimiter({ ...DEFAULT_PER_SOURCE, ...s.perSource }),
    device: createFailureLimiter({ ...DEFAULT_PER_DEVICE, ...s.perDevice }),
  };
}
export type AuthLimiters = ReturnType<typeof createAuthLimiters>;
