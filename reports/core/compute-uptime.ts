import { figuresOf } from './figures.ts';
import {
  byTimeThenSeq,
  changePoints,
  crashWindows,
  linkTimeline,
  maintenanceWindows,
  noDataWindows,
  unreachablePeriods,
  type ChangePoint,
  type Window,
} from './link-timeline.ts';
import { degradedWindows, normalize, subtract, windowsWhere } from './quality.ts';
import { slaOf } from './sla.ts';
import type { Bucket, DeviceUptime, IfaceUptime, Segment, UptimeInput } from './types.ts';

export interface DeviceInfo {
  name: string | null;
  site: string | null;
  /** IANA zone of the device or its site (default UTC); recorded in the report for its renderers. */
  timeZone?: string;
  /** Internet availability target in % (the device's, else its site's). */
  slaTargetPct?: number | null;
  /** Coverage below which availability is not meaningful (default 90). */
  minCoveragePct?: number;
}

/**
 * The uptime report of one device over [fromMs, toMs): per link and for the site's internet.
 * Pure: every input, including `nowMs`, is passed in. Rules: docs/reports.md.
 */
export function computeDeviceUptime(input: UptimeInput, info: DeviceInfo = { name: null, site: null }): DeviceUptime {
  if (!(input.toMs > input.fromMs)) throw new RangeError(`period is empty: from ${input.fromMs} >= to ${input.toMs}`);
  const deviceSorted = [...input.transitions].sort(byTimeThenSeq);
  const periods = unreachablePeriods(input.deviceStates);
  const unreachable: Window[] = periods.map((p) => ({ startMs: p.startMs, endMs: p.endMs }));
  const names = new Set<string>([...deviceSorted.map((t) => t.iface), ...(input.extraIfaces ?? [])]);
  const ifaces: IfaceUptime[] = [];
  const offlineBefore: boolean[] = [];
  const minCoveragePct = info.minCoveragePct ?? 90;
  const cleanOnline: Window[] = [];
  for (const iface of [...names].sort()) {
    const own = deviceSorted.filter((t) => t.iface === iface);
    const points = changePoints(own);
    const before = measuredBefore(points, input.fromMs) === 'offline';
    const segments = linkTimeline({
      fromMs: input.fromMs,
      toMs: input.toMs,
      nowMs: input.nowMs,
      points,
      noData: [...noDataWindows(own, deviceSorted, periods), ...crashWindows(own, deviceSorted, input.runEnds ?? [])],
      maintenance: maintenanceWindows(input.silences, iface),
      unreachable,
    });
    offlineBefore.push(before);
    const degraded = degradedWindows(input.quality ?? [], iface);
    // Traffic flowed at full quality: this link keeps the site's internet out of degraded.
    cleanOnline.push(
      ...subtract(
        windowsWhere(segments, (s) => s.measured === 'online'),
        degraded,
      ),
    );
    const opts = { nowMs: input.nowMs, minCoveragePct, degraded };
    ifaces.push({ iface, ...figuresOf(segments, input.fromMs, input.toMs, before, opts) });
  }
  const deviceWide = input.silences
    .filter((s) => s.iface === null)
    .map((s) => ({ startMs: s.startMs, endMs: s.endMs }));
  const internetSegments = internetTimeline(
    input.fromMs,
    input.toMs,
    ifaces.map((i) => i.segments),
    deviceWide,
    unreachable,
  );
  const internetOfflineBefore = offlineBefore.length > 0 && offlineBefore.every(Boolean);
  // The internet is degraded while online with no link online at full quality.
  const internetDegraded = subtract(
    windowsWhere(internetSegments, (s) => s.bucket === 'online'),
    normalize(cleanOnline),
  );
  const internet = figuresOf(internetSegments, input.fromMs, input.toMs, internetOfflineBefore, {
    nowMs: input.nowMs,
    minCoveragePct,
    degraded: internetDegraded,
  });
  return {
    v: 1,
    deviceId: input.deviceId,
    name: info.name,
    site: info.site,
    fromMs: input.fromMs,
    toMs: input.toMs,
    periodMs: input.toMs - input.fromMs,
    generatedAtMs: input.nowMs,
    timeZone: info.timeZone ?? 'UTC',
    sla: slaOf(internet, info.slaTargetPct),
    internet,
    ifaces,
  };
}

function measuredBefore(points: readonly ChangePoint[], fromMs: number): ChangePoint['measured'] {
  let m: ChangePoint['measured'] = 'unknown';
  for (const p of points) {
    if (p.timeMs >= fromMs) break;
    m = p.measured;
  }
  return m;
}

/**
 * The site's internet at an instant, from its links (first matching row wins):
 *
 * | condition                                         | internet    |
 * |---------------------------------------------------|-------------|
 * | a silence for the whole device                    | maintenance |
 * | some link measured online (even inside its own silence: traffic flowed) | online |
 * | some link inside its own silence                  | maintenance |
 * | some link unknown (or no links at all)            | unknown     |
 * | every link offline                                | offline     |
 */
export function internetBucket(
  links: ReadonlyArray<Pick<Segment, 'bucket' | 'measured'>>,
  deviceSilenced: boolean,
): Bucket {
  if (deviceSilenced) return 'maintenance';
  if (links.some((l) => l.measured === 'online')) return 'online';
  if (links.some((l) => l.bucket === 'maintenance')) return 'maintenance';
  if (links.length === 0 || links.some((l) => l.bucket === 'unknown')) return 'unknown';
  return 'offline';
}

function internetTimeline(
  fromMs: number,
  toMs: number,
  links: readonly Segment[][],
  deviceWide: readonly Window[],
  unreachable: readonly Window[],
): Segment[] {
  const cuts = new Set<number>([fromMs, toMs]);
  const addCut = (t: number) => {
    if (t > fromMs && t < toMs) cuts.add(t);
  };
  for (const segs of links) for (const s of segs) addCut(s.startMs);
  for (const w of [...deviceWide, ...unreachable]) {
    addCut(w.startMs);
    addCut(w.endMs);
  }
  const times = [...cuts].sort((a, b) => a - b);
  const idx = links.map(() => 0);
  const out: Segment[] = [];
  for (let i = 0; i + 1 < times.length; i++) {
    const a = times[i]!;
    const b = times[i + 1]!;
    const at = links.map((segs, k) => {
      while (segs[idx[k]!]!.endMs <= a) idx[k]!++;
      return segs[idx[k]!]!;
    });
    const inside = (w: Window) => w.startMs <= a && a < w.endMs;
    const bucket = internetBucket(at, deviceWide.some(inside));
    const measured: Segment['measured'] = bucket === 'maintenance' ? 'unknown' : bucket;
    const isUnreachable = unreachable.some(inside);
    const last = out[out.length - 1];
    if (last && last.bucket === bucket && last.unreachable === isUnreachable) last.endMs = b;
    else out.push({ startMs: a, endMs: b, bucket, measured, unreachable: isUnreachable });
  }
  return out;
}
