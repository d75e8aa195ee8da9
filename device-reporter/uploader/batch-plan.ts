/**
 * Which records to upload next, and when. Pure: time passed in, no I/O.
 *
 * The pending records (acknowledged ones are gone) split into the **live** tail — the newest
 * `maxBatchRecords` — and the **backlog** before it (left over from an outage).
 *
 * | situation                                                        | decision                          |
 * |------------------------------------------------------------------|-----------------------------------|
 * | nothing pending                                                  | wait (idle)                       |
 * | live tail holds a transition                                     | send live now (`transition`)      |
 * | live tail is a full batch                                        | send live now (`batch-full`)      |
 * | oldest live record is `maxDelayMs` old                           | send live now (`batch-timer`)     |
 * | backlog exists and the back-fill budget allows (`backfillNextMs`) | send the oldest backlog batch     |
 * | both live and backlog due                                        | alternate, starting with live     |
 * | otherwise                                                        | wait until the earliest due time  |
 *
 * Every batch holds records of one boot only (a report carries one `bootId`) and at most
 * `maxBatchBytes` of record JSON. The back-fill rate is bounded by `backfillRecordsPerSec`.
 */
export interface PlanEntry {
  seq: number;
  bootId: string;
  type: 'sample' | 'transition' | 'policy';
  timeMs: number;
  bytes: number;
}

export interface BatchOptions {
  maxBatchRecords: number;
  maxBatchBytes: number;
  maxDelayMs: number;
  backfillBatchRecords: number;
  backfillRecordsPerSec: number;
}

export const DEFAULT_BATCH_OPTIONS: BatchOptions = {
  maxBatchRecords: 500,
  maxBatchBytes: 512 * 1024,
  maxDelayMs: 5_000,
  backfillBatchRecords: 1_000,
  backfillRecordsPerSec: 500,
};

export interface PlanState {
  lastKind: 'live' | 'backlog' | undefined;
  /** Earliest time the next backlog batch may go (back-fill budget). */
  backfillNextMs: number;
}

export type BatchReason = 'transition' | 'batch-full' | 'batch-timer' | 'backfill';
export type Plan<E> =
  | { kind: 'send'; batch: 'live' | 'backlog'; reason: BatchReason; entries: E[] }
  | { kind: 'wait'; untilMs: number | undefined };

export function planNextBatch<E extends PlanEntry>(
  pending: readonly E[],
  nowMs: number,
  state: PlanState,
  o: BatchOptions,
): Plan<E> {
  if (pending.length === 0) return { kind: 'wait', untilMs: undefined };
  const liveStart = Math.max(0, pending.length - o.maxBatchRecords);
  const live = sameBootTail(pending.slice(liveStart), o.maxBatchBytes);
  const backlogLen = pending.length - live.length;
  const liveReason = liveDue(live, nowMs, o);
  const backlogDue = backlogLen > 0 && nowMs >= state.backfillNextMs;
  const sendLive = (reason: BatchReason): Plan<E> => ({ kind: 'send', batch: 'live', reason, entries: live });
  const sendBacklog = (): Plan<E> => ({
    kind: 'send',
    batch: 'backlog',
    reason: 'backfill',
    entries: sameBootHead(pending.slice(0, Math.min(backlogLen, o.backfillBatchRecords)), o.maxBatchBytes),
  });
  if (liveReason !== undefined && backlogDue) return state.lastKind === 'live' ? sendBacklog() : sendLive(liveReason);
  if (liveReason !== undefined) return sendLive(liveReason);
  if (backlogDue) return sendBacklog();
  const liveAt = live.length > 0 ? live[0]!.timeMs + o.maxDelayMs : Infinity;
  const backlogAt = backlogLen > 0 ? state.backfillNextMs : Infinity;
  const at = Math.min(liveAt, backlogAt);
  return { kind: 'wait', untilMs: Number.isFinite(at) ? at : undefined };
}

/** After a backlog batch of `n` records: when the next may go, so back-fill stays at the configured rate. */
export function nextBackfillMs(nowMs: number, n: number, o: BatchOptions): number {
  return nowMs + Math.ceil((n * 1000) / Math.max(1, o.backfillRecordsPerSec));
}

function liveDue(live: readonly PlanEntry[], nowMs: number, o: BatchOptions): BatchReason | undefined {
  if (live.length === 0) return undefined;
  if (live.some((e) => e.type === 'transition')) return 'transition';
  if (live.length >= o.maxBatchRecords) return 'batch-full';
  if (nowMs - live[0]!.timeMs >= o.maxDelayMs) return 'batch-timer';
  return undefined;
}

/** The newest run of records of the newest boot, within the byte budget. */
function sameBootTail<E extends PlanEntry>(tail: readonly E[], maxBytes: number): E[] {
  const out: E[] = [];
  let bytes = 0;
  const boot = tail[tail.length - 1]?.bootId;
  for (let i = tail.length - 1; i >= 0; i--) {
    const e = tail[i]!;
    if (e.bootId !== boot || (out.length > 0 && bytes + e.bytes > maxBytes)) break;
    out.push(e);
    bytes += e.bytes;
  }
  return out.reverse();
}

/** The oldest run of records of the oldest boot, within the byte budget. */
function sameBootHead<E extends PlanEntry>(head: readonly E[], maxBytes: number): E[] {
  const out: E[] = [];
  let bytes = 0;
  const boot = head[0]?.bootId;
  for (const e of head) {
    if (e.bootId !== boot || (out.length > 0 && bytes + e.bytes > maxBytes)) break;
    out.push(e);
    bytes += e.bytes;
  }
  return out;
}
