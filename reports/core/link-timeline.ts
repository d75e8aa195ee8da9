import { isRouted } from '../../contract/index.ts';
import type { Bucket, DeviceStateIn, RunEndIn, Segment, SilenceIn, TransitionIn } from './types.ts';

/** A change of the measured bucket of one link at `timeMs`. */
export interface ChangePoint {
  timeMs: number;
  measured: Exclude<Bucket, 'maintenance'>;
}

/** A half-open window [startMs, endMs); endMs = Infinity for "still going". */
export interface Window {
  startMs: number;
  endMs: number;
}

/**
 * What a link's state counts as, from the device's own transitions:
 *
 * | transition                         | bucket  | why |
 * |------------------------------------|---------|-----|
 * | reason `stop` (any `to`)           | unknown | the reporter stopped: no data until it starts again |
 * | reason `start` from `online`/`offline` | that carried state | the last probe-confirmed state of the previous run holds until the new run confirms a change (the start's `to` is only mwan3's `initial_state`) |
 * | `online`                           | online  | |
 * | `disconnecting` after online       | online  | mwan3 still routes it until `disconnected` |
 * | `disconnecting` otherwise          | offline | |
 * | `offline`, `connecting`            | offline | not routed; `connecting` is recovery not yet confirmed |
 * | `disabled`                         | unknown | administratively out of service: neither up nor an ISP failure |
 * | `unknown`                          | unknown | no tracker data |
 * | (before the first transition)      | unknown | |
 */
export function changePoints(sorted: readonly TransitionIn[]): ChangePoint[] {
  const out: ChangePoint[] = [];
  let routed: boolean | undefined;
  for (const t of sorted) {
    if (t.reason === 'stop') {
      routed = false;
      out.push({ timeMs: t.timeMs, measured: 'unknown' });
      continue;
    }
    if (t.reason === 'start' && (t.from === 'online' || t.from === 'offline')) {
      routed = t.from === 'online';
      out.push({ timeMs: t.timeMs, measured: t.from });
      continue;
    }
    routed = isRouted(t.to, routed ?? t.from === 'online');
    const measured = routed ? 'online' : t.to === 'disabled' || t.to === 'unknown' ? 'unknown' : 'offline';
    out.push({ timeMs: t.timeMs, measured });
  }
  return out;
}

/** The first `start` of a reporter run whose predecessor did not stop (it crashed or lost power). */
export interface CrashedRunStart {
  bootId: string;
  startMs: number;
  /** Time of the device's transition before it (the old run's last one). */
  prevMs: number;
}

/**
 * Runs that began after a crash, from the device's transitions (sorted by time):
 *
 * | transition before a run's first `start` | result |
 * |---|---|
 * | none (first run ever) | not listed |
 * | same run (not its first start) | not listed |
 * | a `stop` (clean stop: changePoints already counts unknown from it) | not listed |
 * | anything else | listed |
 */
export function crashedRunStarts(deviceSorted: readonly TransitionIn[]): CrashedRunStart[] {
  const out: CrashedRunStart[] = [];
  for (const [i, t] of deviceSorted.entries()) {
    if (t.reason !== 'start' || i === 0) continue;
    const prev = deviceSorted[i - 1]!;
    if (prev.bootId === t.bootId || prev.reason === 'stop') continue;
    out.push({ bootId: t.bootId, startMs: t.timeMs, prevMs: prev.timeMs });
  }
  return out;
}

/**
 * Windows of one link when the reporter was not running because it crashed: for each run in
 * crashedRunStarts whose old run's last stored record is known (`runEnds`, read by the adapter;
 * absent when the raw samples have expired), [max(last record, previous transition), the link's
 * start in the new run).
 */
export function crashWindows(
  ifaceSorted: readonly TransitionIn[],
  deviceSorted: readonly TransitionIn[],
  runEnds: readonly RunEndIn[],
): Window[] {
  const out: Window[] = [];
  for (const c of crashedRunStarts(deviceSorted)) {
    const end = runEnds.find((r) => r.bootId === c.bootId);
    if (!end) continue;
    const own = ifaceSorted.find((x) => x.bootId === c.bootId && x.timeMs >= c.startMs);
    const startMs = Math.max(end.lastRecordBeforeMs, c.prevMs);
    const endMs = own?.timeMs ?? c.startMs;
    if (endMs > startMs) out.push({ startMs, endMs });
  }
  return out;
}

export function byTimeThenSeq(a: TransitionIn, b: TransitionIn): number {
  return a.timeMs - b.timeMs || a.seq - b.seq;
}

/** A cloud-side unreachable period: from the device's last contact to the watchdog's `reachable` (or open). */
export interface UnreachablePeriod extends Window {
  /** Watchdog decision time (for the record). */
  detectedMs: number;
}

/**
 * Pairs `unreachable` points with the next `reachable`. Consecutive `unreachable` points keep the
 * first; a `reachable` without a preceding `unreachable` is ignored. The period starts at the
 * device's last contact (`last_seen_ms`), because that is when it stopped being heard.
 */
export function unreachablePeriods(states: readonly DeviceStateIn[]): UnreachablePeriod[] {
  const sorted = [...states].sort((a, b) => a.timeMs - b.timeMs);
  const out: UnreachablePeriod[] = [];
  let open: UnreachablePeriod | undefined;
  for (const s of sorted) {
    if (s.state === 'unreachable' && !open) {
      const startMs = Math.min(s.lastSeenMs ?? s.timeMs, s.timeMs);
      open = { startMs, endMs: Infinity, detectedMs: s.timeMs };
    } else if (s.state === 'reachable' && open) {
      out.push({ ...open, endMs: Math.max(s.timeMs, open.startMs) });
      open = undefined;
    }
  }
  if (open) out.push(open);
  return out;
}

/**
 * Windows of one link with no data because the device was not recording (truth table):
 *
 * | cloud-side unreachable from L …           | link's next transition after L | no-data window |
 * |-------------------------------------------|--------------------------------|----------------|
 * | any                                       | from another boot (new bootId) | [L, that transition) |
 * | any                                       | same boot (back-filled)        | none: the device kept recording |
 * | still open                                | none                           | [L, ∞): not heard from since |
 * | closed (reachable again)                  | none                           | none: same boot, no change |
 */
export function noDataWindows(
  ifaceSorted: readonly TransitionIn[],
  deviceSorted: readonly TransitionIn[],
  periods: readonly UnreachablePeriod[],
): Window[] {
  const out: Window[] = [];
  for (const p of periods) {
    const bootAtStart = lastAtOrBefore(deviceSorted, p.startMs)?.bootId;
    const next = ifaceSorted.find((t) => t.timeMs > p.startMs);
    if (next) {
      if (bootAtStart !== undefined && next.bootId !== bootAtStart)
        out.push({ startMs: p.startMs, endMs: next.timeMs });
    } else if (p.endMs === Infinity) {
      out.push({ startMs: p.startMs, endMs: Infinity });
    }
  }
  return out;
}

function lastAtOrBefore(sorted: readonly TransitionIn[], timeMs: number): TransitionIn | undefined {
  let found: TransitionIn | undefined;
  for (const t of sorted) {
    if (t.timeMs > timeMs) break;
    found = t;
  }
  return found;
}

/** Maintenance windows of one link: silences for the whole device or for this interface. */
export function maintenanceWindows(silences: readonly SilenceIn[], iface: string): Window[] {
  return silences
    .filter((s) => s.iface === null || s.iface === iface)
    .map((s) => ({ startMs: s.startMs, endMs: s.endMs }));
}

export interface LinkTimelineInput {
  fromMs: number;
  toMs: number;
  nowMs: number;
  points: readonly ChangePoint[];
  noData: readonly Window[];
  maintenance: readonly Window[];
  unreachable: readonly Window[];
}

/**
 * Cuts [fromMs, toMs) at every change and window edge and classifies each piece. Precedence:
 * maintenance > no data (incl. time after `nowMs`) > measured bucket. Adjacent pieces with the same
 * classification are merged, so segments are contiguous, non-empty and cover the period exactly.
 */
export function linkTimeline(input: LinkTimelineInput): Segment[] {
  const { fromMs, toMs } = input;
  const future: Window = { startMs: input.nowMs, endMs: Infinity };
  const noData = [...input.noData, future];
  const cuts = new Set<number>([fromMs, toMs]);
  const addCut = (t: number) => {
    if (t > fromMs && t < toMs) cuts.add(t);
  };
  input.points.forEach((p) => addCut(p.timeMs));
  for (const w of [...noData, ...input.maintenance, ...input.unreachable]) {
    addCut(w.startMs);
    addCut(w.endMs);
  }
  const times = [...cuts].sort((a, b) => a - b);
  const segments: Segment[] = [];
  let pi = 0;
  let measured: Segment['measured'] = 'unknown';
  for (let i = 0; i + 1 < times.length; i++) {
    const a = times[i]!;
    const b = times[i + 1]!;
    while (pi < input.points.length && input.points[pi]!.timeMs <= a) measured = input.points[pi++]!.measured;
    const inside = (w: Window) => w.startMs <= a && a < w.endMs;
    const m: Segment['measured'] = noData.some(inside) ? 'unknown' : measured;
    const bucket: Bucket = input.maintenance.some(inside) ? 'maintenance' : m;
    const unreachable = input.unreachable.some(inside);
    const last = segments[segments.length - 1];
    if (last && last.bucket === bucket && last.measured === m && last.unreachable === unreachable) last.endMs = b;
    else segments.push({ startMs: a, endMs: b, bucket, measured: m, unreachable });
  }
  return segments;
}
