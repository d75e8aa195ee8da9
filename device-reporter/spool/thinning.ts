/**
 * What to keep of an old spool segment when the spool is over its byte limit. Pure.
 *
 * | record                       | kept?                                                   |
 * |------------------------------|---------------------------------------------------------|
 * | already acknowledged         | no (the server has it)                                  |
 * | transition                   | always (uptime reports are computed from transitions)   |
 * | policy snapshot              | always (rare, and the only record of traffic splits)    |
 * | sample                       | every `keepEvery`-th per interface (the 1st, N+1st, …)  |
 *
 * Counting per interface keeps every link's time series evenly spaced instead of thinning one link away.
 */
export interface ThinCandidate {
  seq: number;
  type: 'sample' | 'transition' | 'policy';
  iface?: string;
}

export interface ThinDecision<T> {
  keep: T[];
  thinnedSamples: number;
  droppedAcked: number;
}

export function thinSegment<T extends ThinCandidate>(
  entries: readonly T[],
  isAcked: (seq: number) => boolean,
  keepEvery: number,
  /** Per-interface sample counters carried from the previous segment, so that small segments thin too. */
  counters: Map<string, number> = new Map(),
): ThinDecision<T> {
  const every = Math.max(1, Math.floor(keepEvery));
  const keep: T[] = [];
  let thinnedSamples = 0;
  let droppedAcked = 0;
  for (const e of entries) {
    if (isAcked(e.seq)) {
      droppedAcked++;
      continue;
    }
    if (e.type !== 'sample') {
      keep.push(e);
      continue;
    }
    const key = e.iface ?? '';
    const n = counters.get(key) ?? 0;
    counters.set(key, n + 1);
    if (n % every === 0) keep.push(e);
    else thinnedSamples++;
  }
  return { keep, thinnedSamples, droppedAcked };
}
