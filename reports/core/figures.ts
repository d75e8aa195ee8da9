import type { Window } from './link-timeline.ts';
import { intersect, normalize } from './quality.ts';
import type { Outage, OutageCause, Segment, UptimeFigures } from './types.ts';

/** What the honesty figures need besides the segments. */
export interface FigureOptions {
  /** Time after it has not happened yet: it counts neither for nor against coverage. */
  nowMs: number;
  /** Below this coverage (in %), availability is shown as not meaningful. */
  minCoveragePct: number;
  /** When the link (or internet) was online but below quality; clipped to online time here. */
  degraded: readonly Window[];
}

export const DEFAULT_FIGURE_OPTIONS: FigureOptions = { nowMs: Infinity, minCoveragePct: 90, degraded: [] };

/**
 * Coverage: measured (online + offline) ÷ the period's time that has happened and was not
 * maintenance, in %, rounded to 3 decimals; null when no such time exists.
 *
 * | period                                   | coverage |
 * |------------------------------------------|----------|
 * | 1 min measured, rest unknown, 7 days     | 0.01 %   |
 * | all online/offline                       | 100 %    |
 * | half maintenance, other half measured    | 100 %    |
 * | entirely in the future or maintenance    | null     |
 */
export function coveragePct(segments: readonly Segment[], nowMs: number): number | null {
  return pctOf(coverageParts(segments, nowMs));
}

/** Rounded to 3 decimals; null without a denominator. */
export function pctOf(p: { measured: number; denom: number }): number | null {
  return p.denom === 0 ? null : Math.round((p.measured * 100_000) / p.denom) / 1000;
}

/** Measured time and the time that could have been measured (so far, outside maintenance). */
export function coverageParts(segments: readonly Segment[], nowMs: number): { measured: number; denom: number } {
  let measured = 0;
  let denom = 0;
  for (const s of segments) {
    const len = Math.max(0, Math.min(s.endMs, nowMs) - s.startMs);
    if (s.bucket === 'maintenance' || len === 0) continue;
    denom += len;
    if (s.bucket === 'online' || s.bucket === 'offline') measured += len;
  }
  return { measured, denom };
}

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
  opts: FigureOptions = DEFAULT_FIGURE_OPTIONS,
): UptimeFigures {
  const sums = { online: 0, offline: 0, unknown: 0, maintenance: 0 };
  for (const s of segments) sums[s.bucket] += s.endMs - s.startMs;
  const outages = outagesOf(segments, fromMs, toMs, offlineBeforeFrom);
  const totalOutageMs = outages.reduce((n, o) => n + o.durationMs, 0);
  const n = outages.length;
  const online = normalize(segments.filter((s) => s.bucket === 'online'));
  const degraded = intersect(online, normalize([...opts.degraded]));
  const degradedMs = degraded.reduce((t, w) => t + w.endMs - w.startMs, 0);
  const coverage = coveragePct(segments, opts.nowMs);
  const meaningful = coverage !== null && coverage >= opts.minCoveragePct;
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
    degradedMs,
    degradedCount: degraded.length,
    longestDegradedMs: degraded.reduce((m, w) => Math.max(m, w.endMs - w.startMs), 0),
    qualityAvailabilityPct: availabilityPct(sums.online - degradedMs, sums.offline + degradedMs),
    coveragePct: coverage,
    availabilityNote: meaningful ? null : lowCoverageNote(coverage, opts.minCoveragePct),
    outages,
    segments,
  };
}

/** Why an availability figure is not meaningful (null when it is). */
export function lowCoverageNote(coverage: number | null, minCoveragePct: number): string {
  return coverage === null
    ? 'nothing measured'
    : `only ${coverage} % of the period measured (below ${minCoveragePct} %)`;
}
