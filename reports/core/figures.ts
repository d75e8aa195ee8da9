import type { Outage, OutageCause, Segment, UptimeFigures } from './types.ts';

/** online / (online + offline) in %, rounded to 3 decimals; null when nothing was measured. */
export function availabilityPct(onlineMs: number, offlineMs: number): number | null {
  const denom = onlineMs + offlineMs;
  if (denom === 0) return null;
  return Math.round((onlineMs * 100_000) / denom) / 1000;
}

/**
 * Outages are maximal runs of contiguous `offline` segments. A run is one outage even when the
 * device became unreachable in its middle; its `parts` record where the cause changed. An outage
 * reaching the period's end is `open`; one starting at the period's start while the link was
 * already offline before it is `clippedStart`.
 */
export function outagesOf(
  segments: readonly Segment[],
  fromMs: number,
  toMs: number,
  offlineBeforeFrom: boolean,
): Outage[] {
  const out: Outage[] = [];
  let cur: Outage | undefined;
  for (const s of segments) {
    if (s.bucket !== 'offline') {
      cur = undefined;
      continue;
    }
    const cause: OutageCause = s.unreachable ? 'device_unreachable' : 'link_down';
    if (!cur) {
      cur = {
        startMs: s.startMs,
        endMs: s.endMs,
        durationMs: 0,
        cause,
        parts: [],
        open: false,
        clippedStart: s.startMs === fromMs && offlineBeforeFrom,
      };
      out.push(cur);
    }
    cur.endMs = s.endMs;
    const lastPart = cur.parts[cur.parts.length - 1];
    if (lastPart && lastPart.cause === cause) lastPart.endMs = s.endMs;
    else cur.parts.push({ startMs: s.startMs, endMs: s.endMs, cause });
  }
  for (const o of out) {
    o.durationMs = o.endMs - o.startMs;
    o.open = o.endMs === toMs;
  }
  return out;
}

/** Sums and outage statistics of a contiguous segment list covering [fromMs, toMs). */
export function figuresOf(
  segments: Segment[],
  fromMs: number,
  toMs: number,
  offlineBeforeFrom: boolean,
): UptimeFigures {
  const sums = { online: 0, offline: 0, unknown: 0, maintenance: 0 };
  for (const s of segments) sums[s.bucket] += s.endMs - s.startMs;
  const outages = outagesOf(segments, fromMs, toMs, offlineBeforeFrom);
  const totalOutageMs = outages.reduce((n, o) => n + o.durationMs, 0);
  const n = outages.length;
  return {
    onlineMs: sums.online,
    offlineMs: sums.offline,
    unknownMs: sums.unknown,
    maintenanceMs: sums.maintenance,
    availabilityPct: availabilityPct(sums.online, sums.offline),
    outageCount: n,
    totalOutageMs,
    longestOutageMs: outages.reduce((m, o) => Math.max(m, o.durationMs), 0),
    mttrMs: n === 0 ? null : Math.round(totalOutageMs / n),
    mtbfMs: n === 0 ? null : Math.round(sums.online / n),
    outages,
    segments,
  };
}
