/** State of an events job as BullMQ reports it (`unknown` = no such job, or a record without a job id). */
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
 * Watchdog for device inboxes: an events job puts its record in the device's inbox and then drains
 * the whole inbox, so a record stays there only while some job that will drain it is still alive. A
 * job that failed for good after it pushed (it stalled too often: its worker died or lost Redis
 * repeatedly) leaves its record behind with nothing to apply it.
 *
 * `jobStates` are the states of the jobs that pushed the records now in the inbox.
 *
 * | inbox | some job waiting / delayed / active / prioritized | decision |
 * |---|---|---|
 * | empty | – | `forget` (stop watching the device) |
 * | records | yes | `wait` (that job drains every record when it runs; it is checked again next sweep) |
 * | records | no (all completed / failed / unknown) | `drain` (nothing else will apply them) |
 */
export function decideStrandedInbox(jobStates: readonly EventsJobState[]): 'forget' | 'wait' | 'drain' {
  if (jobStates.length === 0) return 'forget';
  return jobStates.some((s) => ALIVE.has(s)) ? 'wait' : 'drain';
}
