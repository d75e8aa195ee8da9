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

/**
 * The flush the watchdog must see through first: an outbox (a group flushed but whose email was
 * not yet queued) before the pending group, since the flush delivers the outbox before anything else.
 *
 * | outbox | pending group | target |
 * |---|---|---|
 * | yes | any | the outbox's group (id, due time) |
 * | no | yes | the pending group |
 * | no | no | null |
 */
export function flushTarget(state: {
  outbox: { groupId: string; flushAtMs: number } | null;
  group: Pick<PendingGroup, 'id' | 'flushAtMs'> | null;
}): { id: string; flushAtMs: number } | null {
  if (state.outbox) return { id: state.outbox.groupId, flushAtMs: state.outbox.flushAtMs };
  return state.group ? { id: state.group.id, flushAtMs: state.group.flushAtMs } : null;
}
