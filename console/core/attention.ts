import type { AlertView, LiveState } from '../../store/index.ts';

/**
 * How much a device needs a NOC engineer's attention, most urgent first. The board sorts by it.
 *
 * | reported? | watchdog says unreachable, or last report older than `unreachableAfterMs` | links | alerting: a link flapping | attention |
 * | --------- | ---- | ------------------------------ | --- | ------------- |
 * | no        | –    | –                              | –   | `never`       |
 * | yes       | yes  | any                            | any | `unreachable` |
 * | yes       | no   | none online (at least one)     | any | `all-down`    |
 * | yes       | no   | some not online (not disabled) | any | `link-down`   |
 * | yes       | no   | all online, one over a limit   | any | `degraded`    |
 * | yes       | no   | all online, within limits      | yes | `flapping`    |
 * | yes       | no   | all online, within limits      | no  | `ok`          |
 *
 * `disabled` links are left out (an operator turned them off). Degraded: loss ≥ `degradedLossPct`
 * or mean latency ≥ `degradedRttMs` on an online link. Unreachable and flapping are alerting's
 * judgement (its watchdog and its damping, read through store/alert-view.ts); the console's own
 * staleness rule also catches a device whose watchdog has not run.
 */
export const ATTENTIONS = ['unreachable', 'all-down', 'link-down', 'degraded', 'flapping', 'never', 'ok'] as const;
export type Attention = (typeof ATTENTIONS)[number];

export interface AttentionLimits {
  unreachableAfterMs: number;
  degradedLossPct: number;
  degradedRttMs: number;
}
export const DEFAULT_ATTENTION_LIMITS: AttentionLimits = {
  unreachableAfterMs: 90_000,
  degradedLossPct: 5,
  degradedRttMs: 300,
};

export function attentionOf(
  live: LiveState | undefined,
  nowMs: number,
  limits: AttentionLimits = DEFAULT_ATTENTION_LIMITS,
  alert?: AlertView,
): Attention {
  if (!live) return 'never';
  const stale = Math.max(limits.unreachableAfterMs, 3 * (live.reportIntervalMs || 0));
  if (alert?.unreachable || nowMs - live.lastSeenMs > stale) return 'unreachable';
  const links = Object.values(live.ifaces).filter((l) => l.state !== 'disabled');
  if (links.length > 0 && links.every((l) => l.state !== 'online')) return 'all-down';
  if (links.some((l) => l.state !== 'online')) return 'link-down';
  const over = links.some(
    (l) =>
      (l.lossPct !== null && l.lossPct >= limits.degradedLossPct) ||
      (l.rttAvgMs !== null && l.rttAvgMs >= limits.degradedRttMs),
  );
  if (over) return 'degraded';
  return alert && alert.flapping.length > 0 ? 'flapping' : 'ok';
}

/** The attention's sort rank (0 = top of the board). */
export function attentionRank(a: Attention): number {
  return ATTENTIONS.indexOf(a);
}

/** The colour class of a row: bad (red), warn (amber), idle (grey) or good (green). */
export function attentionTone(a: Attention): 'bad' | 'warn' | 'idle' | 'good' {
  if (a === 'unreachable' || a === 'all-down' || a === 'link-down') return 'bad';
  if (a === 'degraded' || a === 'flapping') return 'warn';
  return a === 'never' ? 'idle' : 'good';
}
