import type { PendingGroup } from './state.ts';

/** State of a group's flush job as BullMQ reports it (`unknown` = no such job). */
export type FlushJobState = 'waiting' | 'delayed' | 'active' | 'prioritized' | 'completed' | 'failed' | 'unknown';

/**
 * Watchdog for group flushes: a pending group whose flush job can no longer fire would hold every
 * later event of the device (they join the group) for ever.
 *
 * | group | due (now ≥ flushAtMs) | flush job | decision |
 * |---|---|---|---|
 * | none | – | – | `none` |
 * | yes | no | any | `none` (its job will fire) |
 * | yes | yes | waiting / delayed / active / prioritized | `none` (alive: due, retrying an outage, or running) |
 * | yes | yes | failed / completed / unknown | `flush` (nothing will flush it) |
 */
export function decideStuckGroup(
  group: Pick<PendingGroup, 'flushAtMs'> | null,
  flushJob: FlushJobState,
  nowMs: number,
): 'flush' | 'none' {
  if (!group || nowMs < group.flushAtMs) return 'none';
  return flushJob === 'failed' || flushJob === 'completed' || flushJob === 'unknown' ? 'flush' : 'none';
}
