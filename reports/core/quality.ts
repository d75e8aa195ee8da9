import type { QualityIn, Segment } from './types.ts';

export type { QualityIn };
import type { Window } from './link-timeline.ts';

/** Sorted, disjoint, merged windows. */
export function normalize(ws: readonly Window[]): Window[] {
  const sorted = ws.filter((w) => w.endMs > w.startMs).sort((a, b) => a.startMs - b.startMs);
  const out: Window[] = [];
  for (const w of sorted) {
    const last = out[out.length - 1];
    if (last && w.startMs <= last.endMs) last.endMs = Math.max(last.endMs, w.endMs);
    else out.push({ ...w });
  }
  return out;
}

/** a ∩ b for normalized window lists. */
export function intersect(a: readonly Window[], b: readonly Window[]): Window[] {
  const out: Window[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const s = Math.max(a[i]!.startMs, b[j]!.startMs);
    const e = Math.min(a[i]!.endMs, b[j]!.endMs);
    if (e > s) out.push({ startMs: s, endMs: e });
    if (a[i]!.endMs < b[j]!.endMs) i++;
    else j++;
  }
  return out;
}

/** a − b for normalized window lists. */
export function subtract(a: readonly Window[], b: readonly Window[]): Window[] {
  const out: Window[] = [];
  for (const w of a) {
    let cur = w.startMs;
    for (const x of b) {
      if (x.endMs <= cur || x.startMs >= w.endMs) continue;
      if (x.startMs > cur) out.push({ startMs: cur, endMs: x.startMs });
      cur = Math.max(cur, x.endMs);
    }
    if (cur < w.endMs) out.push({ startMs: cur, endMs: w.endMs });
  }
  return out;
}

/**
 * When one link was below quality, from its verdicts (any order). Each source keeps its last
 * verdict until its next one; the link is degraded while either source says so, so a router-side
 * `warn_*` flag and the cloud's evaluator agreeing on the same brownout count it once:
 *
 * | cloud says  | router says | degraded |
 * |-------------|-------------|----------|
 * | degraded    | any         | yes      |
 * | any         | degraded    | yes      |
 * | ok / none   | ok / none   | no       |
 */
export function degradedWindows(verdicts: readonly QualityIn[], iface: string): Window[] {
  const own = verdicts.filter((v) => v.iface === iface).sort((a, b) => a.timeMs - b.timeMs);
  const out: Window[] = [];
  for (const source of ['cloud', 'router'] as const) {
    let openMs: number | null = null;
    for (const v of own) {
      if (v.source !== source) continue;
      if (v.degraded && openMs === null) openMs = v.timeMs;
      else if (!v.degraded && openMs !== null) {
        out.push({ startMs: openMs, endMs: v.timeMs });
        openMs = null;
      }
    }
    if (openMs !== null) out.push({ startMs: openMs, endMs: Infinity });
  }
  return normalize(out);
}

/** The windows of a segment list whose bucket satisfies `pred`, merged. */
export function windowsWhere(segments: readonly Segment[], pred: (s: Segment) => boolean): Window[] {
  return normalize(segments.filter(pred).map((s) => ({ startMs: s.startMs, endMs: s.endMs })));
}
