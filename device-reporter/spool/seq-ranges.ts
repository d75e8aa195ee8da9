/**
 * A set of sequence numbers kept as sorted, disjoint, non-adjacent inclusive ranges `[from, to]`.
 * The uploader sends the live tail and the back-fill head of the spool alternately, so the
 * acknowledged set has a few holes; ranges keep it tiny on disk whatever the count.
 * Pure: every function returns a new array.
 */
export type SeqRange = readonly [from: number, to: number];

export function addSeqs(ranges: readonly SeqRange[], seqs: Iterable<number>): SeqRange[] {
  const sorted = [...seqs].sort((a, b) => a - b);
  const extra: SeqRange[] = [];
  for (const s of sorted) {
    const last = extra[extra.length - 1];
    if (last && s <= last[1] + 1) extra[extra.length - 1] = [last[0], Math.max(last[1], s)];
    else extra.push([s, s]);
  }
  return merge([...ranges, ...extra]);
}

export function hasSeq(ranges: readonly SeqRange[], seq: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const r = ranges[mid]!;
    if (seq < r[0]) hi = mid - 1;
    else if (seq > r[1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Drops the part of every range below `minSeq` (records below it no longer exist on disk). */
export function pruneBelow(ranges: readonly SeqRange[], minSeq: number): SeqRange[] {
  const out: SeqRange[] = [];
  for (const [a, b] of ranges) {
    if (b < minSeq) continue;
    out.push([Math.max(a, minSeq), b]);
  }
  return out;
}

function merge(ranges: SeqRange[]): SeqRange[] {
  const sorted = ranges.slice().sort((x, y) => x[0] - y[0]);
  const out: SeqRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) out[out.length - 1] = [last[0], Math.max(last[1], r[1])];
    else out.push(r);
  }
  return out;
}
