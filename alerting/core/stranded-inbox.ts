/** State of an events job as BullMQ reports it (`unknown` = no such job). */
export type EventsJobState =
  | 'waiting'
  | 'waiting-children'
  | 'delayed'
  | 'active'
  | 'prioritized'
  | 'completed'
  | 'failed'
  | 'unknown';

const ALIVE: ReadonlySet<EventsJobState> = new Set(['waiting', 'waiting-children', 'delayed', 'active', 'prioritized']);

/**
 * Watchdog for device inboxes: an events job puts its record in the device's inbox and then applies
 * the whole inbox, so a record stays there only while some job that will apply it is still alive. A
 * job that failed for good after it pushed (it stalled too often: its worker died or lost Redis
 * repeatedly) leaves its record behind with nothing to apply it.
 *
 * `jobStates`: the states of the jobs that pushed records since the inbox was last seen empty
 * (none for records pushed by a version that did not note its jobs).
 *
 * | records in the inbox | some job waiting / delayed / active / prioritized | decision |
 * |---|---|---|
 * | 0 | – | `forget` (stop watching the device) |
 * | ≥ 1 | yes | `wait` (that job applies every record when it runs; checked again next sweep) |
 * | ≥ 1 | no (all completed / failed / unknown, or no job known) | `drain` (nothing else will apply them) |
 */
export function decideStrandedInbox(
  records: number,
  jobStates: readonly EventsJobState[],
): 'forget' | 'wait' | 'drain' {
  if (records === 0) return 'forget';
  return jobStates.some((s) => ALIVE.has(s)) ? 'wait' : 'drain';
}
