import type { QualityRoundSummary } from '../../store/index.ts';
import type { AlertingOptions } from '../options.ts';
import {
  addRounds,
  DEFAULT_QUALITY_THRESHOLDS,
  emptyQuality,
  type QualityFigures,
  type QualityThresholds,
} from './quality.ts';
import type { DeviceAlertState, GroupEvent } from './state.ts';

export type QualityOptions = Pick<
  AlertingOptions,
  | 'qualityWindowMs'
  | 'qualityMinDurationMs'
  | 'qualityLossEnterPct'
  | 'qualityLossLeavePct'
  | 'qualityRttP95EnterMs'
  | 'qualityRttP95LeaveMs'
  | 'qualityJitterEnterMs'
  | 'qualityJitterLeaveMs'
>;

/** The thresholds of alerting's options; null when the evaluation is off (window 0). Router-side `warn_*` still alerts then. */
export function qualityThresholds(o: Partial<QualityOptions>): QualityThresholds | null {
  const d = DEFAULT_QUALITY_THRESHOLDS;
  const windowMs = o.qualityWindowMs ?? d.windowMs;
  if (windowMs === 0) return null;
  return {
    windowMs,
    minDurationMs: o.qualityMinDurationMs ?? d.minDurationMs,
    minRounds: d.minRounds,
    lossEnterPct: o.qualityLossEnterPct ?? d.lossEnterPct,
    lossLeavePct: o.qualityLossLeavePct ?? d.lossLeavePct,
    rttP95EnterMs: o.qualityRttP95EnterMs ?? d.rttP95EnterMs,
    rttP95LeaveMs: o.qualityRttP95LeaveMs ?? d.rttP95LeaveMs,
    jitterEnterMs: o.qualityJitterEnterMs ?? d.jitterEnterMs,
    jitterLeaveMs: o.qualityJitterLeaveMs ?? d.jitterLeaveMs,
  };
}

/** A change of a link's degraded verdict, written to `wan_link_quality` (docs/metrics.md). */
export interface QualityRecord {
  iface: string;
  atMs: number;
  degraded: boolean;
  source: 'cloud' | 'router';
  figures: QualityFigures | null;
}

/**
 * Feeds a job's round summaries to each link's evaluation (mutates `s`) and returns the
 * degraded/recovered events to email. Event ids derive from the link and the round's device time,
 * so a replayed job (its rounds are not newer than those kept) adds nothing.
 *
 * | link after the job's transitions | router says degraded | cloud verdict changes | result |
 * |---|---|---|---|
 * | down (open outage, or not routed) | – | – | evaluation reset, nothing emailed (the DOWN/UP story tells it) |
 * | up | no | enter / leave | `link_degraded` / `link_recovered` (source cloud, with figures) |
 * | up | yes | enter / leave | recorded only: the router's incident is the same brownout |
 * | up | – | none | nothing |
 */
export function qualityEvents(
  s: DeviceAlertState,
  rounds: readonly QualityRoundSummary[],
  thresholdsFor: (iface: string) => QualityThresholds,
  reasons: string[],
  records: QualityRecord[],
): GroupEvent[] {
  const byIface = new Map<string, QualityRoundSummary[]>();
  for (const r of rounds) byIface.set(r.iface, [...(byIface.get(r.iface) ?? []), r]);
  const out: GroupEvent[] = [];
  for (const [iface, list] of byIface) {
    const link = s.ifaces.get(iface);
    if (link && (!link.routed || link.downSinceMs !== null)) {
      s.quality.set(iface, emptyQuality());
      continue;
    }
    const { state, changes } = addRounds(s.quality.get(iface) ?? emptyQuality(), list, thresholdsFor(iface));
    s.quality.set(iface, state);
    for (const c of changes) {
      const degraded = c.kind === 'enter';
      records.push({ iface, atMs: c.atMs, degraded, source: 'cloud', figures: c.figures });
      reasons.push(`${iface}: cloud quality ${degraded ? 'degraded' : 'recovered'} (loss ${c.figures.lossPct} %)`);
      if (link?.degraded) continue;
      out.push({
        kind: degraded ? 'link_degraded' : 'link_recovered',
        id: `q${degraded ? 'deg' : 'rec'}:${c.atMs}:${iface}`,
        iface,
        atMs: c.atMs,
        source: 'cloud',
        figures: c.figures,
      });
    }
  }
  return out;
}
