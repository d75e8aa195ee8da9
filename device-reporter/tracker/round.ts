import type { TargetResult, TargetStatus } from '../../contract/index.ts';
import type { ProbeResult } from './prober.ts';
import type { TrackingOptions } from './tracking-options.ts';

/** Latency mwan3track assumes for a probe that failed or lost everything (quality mode). */
export const QUALITY_FAILED_LATENCY_MS = 999_999;

export type QualityOptions = Pick<
  TrackingOptions,
  'checkQuality' | 'failureLatencyMs' | 'recoveryLatencyMs' | 'failureLossPct' | 'recoveryLossPct'
>;

/**
 * Classifies one probed target (docs/mwan3-reference.md, "Probes and target classification").
 *
 * Without check_quality: `up` ⇔ the tool succeeded (ping: ≥ 1 reply), else `down`.
 *
 * With check_quality (latency = integer part of the average RTT, loss = integer %; a failed probe
 * or 100 % loss counts as latency 999999, loss 100):
 *
 * | condition                                          | status    |
 * |----------------------------------------------------|-----------|
 * | loss ≥ failure_loss OR latency ≥ failure_latency   | `down`    |
 * | else loss ≤ recovery_loss AND latency ≤ recovery_latency | `up` |
 * | otherwise (between the bands)                      | `skipped` (neutral: neither success nor lost) |
 */
export function classifyTarget(probe: ProbeResult, opts: QualityOptions): TargetStatus {
  if (!opts.checkQuality) return probe.ok ? 'up' : 'down';
  const failed = !probe.ok || probe.lossPct === null || probe.lossPct >= 100 || probe.rttAvgMs === null;
  const latencyMs = failed ? QUALITY_FAILED_LATENCY_MS : Math.trunc(probe.rttAvgMs!);
  const lossPct = failed ? 100 : Math.trunc(probe.lossPct!);
  if (lossPct >= opts.failureLossPct || latencyMs >= opts.failureLatencyMs) return 'down';
  if (lossPct <= opts.recoveryLossPct && latencyMs <= opts.recoveryLatencyMs) return 'up';
  return 'skipped';
}

/** Result of one round (docs/mwan3-reference.md, "One round"): the per-target statuses and the round verdict. */
export interface RoundVerdict {
  roundOk: boolean;
  /** Targets that counted as lost (mwan3's `lost` increment). */
  lostTargets: number;
  hostUpCount: number;
}

/**
 * Round verdict from the statuses of the targets in track_ip order: succeeds ⇔ at least
 * `reliability` targets are `up` (reliability 0 ⇒ always; reliability > targets ⇒ never).
 * `skipped` (quality-neutral or not probed) counts neither way.
 */
export function roundVerdict(statuses: readonly TargetStatus[], reliability: number): RoundVerdict {
  const hostUpCount = statuses.filter((s) => s === 'up').length;
  const lostTargets = statuses.filter((s) => s === 'down').length;
  return { roundOk: hostUpCount >= reliability, lostTargets, hostUpCount };
}

/** Whether probing may stop: mwan3 probes targets in order only while fewer than `reliability` succeeded. */
export function roundComplete(hostUpCount: number, reliability: number): boolean {
  return hostUpCount >= reliability;
}

/** The contract's per-target record; `prevRttAvgMs` (same target, previous round) gives jitter. */
export function toTargetResult(
  probe: ProbeResult | undefined,
  target: string,
  status: TargetStatus,
  prevRttAvgMs: number | null,
): TargetResult {
  if (!probe) {
    return {
      target,
      status,
      sent: 0,
      received: 0,
      rttAvgMs: null,
      rttMinMs: null,
      rttMaxMs: null,
      lossPct: null,
      jitterMs: null,
    };
  }
  const jitterMs =
    probe.rttAvgMs !== null && prevRttAvgMs !== null ? round3(Math.abs(probe.rttAvgMs - prevRttAvgMs)) : null;
  return {
    target,
    status,
    sent: probe.sent,
    received: probe.received,
    rttAvgMs: probe.rttAvgMs,
    rttMinMs: probe.rttMinMs,
    rttMaxMs: probe.rttMaxMs,
    lossPct: probe.lossPct,
    jitterMs,
  };
}

export interface IfaceMetrics {
  rttAvgMs: number | null;
  rttMinMs: number | null;
  rttMaxMs: number | null;
  lossPct: number | null;
  jitterMs: number | null;
}

/**
 * Interface figures over the targets probed this round: loss over all packets sent, average RTT
 * weighted by replies, min of mins, max of maxes, jitter = mean of the targets' jitters.
 */
export function ifaceMetrics(targets: readonly TargetResult[]): IfaceMetrics {
  const probed = targets.filter((t) => t.sent > 0);
  const sent = sum(probed.map((t) => t.sent));
  const received = sum(probed.map((t) => t.received));
  const withRtt = probed.filter((t) => t.rttAvgMs !== null && t.received > 0);
  const rttAvgMs =
    withRtt.length > 0
      ? round3(sum(withRtt.map((t) => t.rttAvgMs! * t.received)) / sum(withRtt.map((t) => t.received)))
      : null;
  const mins = withRtt.map((t) => t.rttMinMs ?? t.rttAvgMs!);
  const maxs = withRtt.map((t) => t.rttMaxMs ?? t.rttAvgMs!);
  // Never a list with nulls in it: the Lua build's arrays end at the first null.
  const jitters = probed.flatMap((t) => (t.jitterMs !== null ? [t.jitterMs] : []));
  return {
    rttAvgMs,
    rttMinMs: mins.length > 0 ? Math.min(...mins) : null,
    rttMaxMs: maxs.length > 0 ? Math.max(...maxs) : null,
    lossPct: sent > 0 ? round3(((sent - received) * 100) / sent) : null,
    jitterMs: jitters.length > 0 ? round3(sum(jitters) / jitters.length) : null,
  };
}

/**
 * `degraded` against the warn thresholds (off when null): average RTT ≥ warnRttMs, or loss ≥ warnLossPct.
 * A link without any reply is not "degraded" but failing; the state machine covers that.
 */
export function isDegraded(m: IfaceMetrics, opts: Pick<TrackingOptions, 'warnRttMs' | 'warnLossPct'>): boolean {
  if (opts.warnRttMs !== null && m.rttAvgMs !== null && m.rttAvgMs >= opts.warnRttMs) return true;
  if (opts.warnLossPct !== null && m.lossPct !== null && m.lossPct < 100 && m.lossPct >= opts.warnLossPct) return true;
  return false;
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
