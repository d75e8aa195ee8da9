import { deviceEventsJobId } from '../../store/index.ts';
import type { PolicyRecord, ReportV1, TransitionRecord } from '../../contract/index.ts';
import type { DeviceEventsJob, LatestIfaceMetrics, QualityRoundSummary } from '../../store/index.ts';

/** Member of `keys.seenTransitions(id)`: a transition is identified for ever by bootId + seq. */
export const seenMember = (bootId: string, seq: number) => `${bootId}:${seq}`;

export function transitionsOf(report: ReportV1): TransitionRecord[] {
  return report.records.filter((r): r is TransitionRecord => r.type === 'transition').sort((a, b) => a.seq - b.seq);
}

export function policiesOf(report: ReportV1): PolicyRecord[] {
  return report.records.filter((r): r is PolicyRecord => r.type === 'policy').sort((a, b) => a.seq - b.seq);
}

export function seqRange(report: ReportV1): { firstSeq: number; lastSeq: number } {
  let firstSeq = Number.MAX_SAFE_INTEGER;
  let lastSeq = 0;
  for (const r of report.records) {
    if (r.seq < firstSeq) firstSeq = r.seq;
    if (r.seq > lastSeq) lastSeq = r.seq;
  }
  return { firstSeq, lastSeq };
}

/** Slack for device clock skew and upload jitter before a report counts as delayed (back-fill). */
export const BACKFILL_MIN_DELAY_MS = 30_000;

/**
 * Whether a report is a back-fill: it carries records recorded well before it arrived (the device
 * spooled them while it could not reach us, e.g. all WANs down), or records older than the device's
 * previous last-seen time.
 *
 * | oldest record age (now - timeMs)              | older than previous lastSeen - slack | backfill |
 * |-----------------------------------------------|--------------------------------------|----------|
 * | <= max(3 x reportIntervalMs, 30 s)            | no                                   | false    |
 * | >  max(3 x reportIntervalMs, 30 s)            | -                                    | true     |
 * | any                                           | yes                                  | true     |
 */
export function isBackfill(report: ReportV1, nowMs: number, previousLastSeenMs: number | undefined): boolean {
  const oldest = Math.min(...report.records.map((r) => r.timeMs));
  const slackMs = Math.max(3 * report.reportIntervalMs, BACKFILL_MIN_DELAY_MS);
  if (nowMs - oldest > slackMs) return true;
  return previousLastSeenMs !== undefined && oldest < previousLastSeenMs - slackMs;
}

/** Latest figures per interface from the report's samples (for emails and the live state). */
export function latestMetrics(report: ReportV1): Record<string, LatestIfaceMetrics> {
  // Keyed by interface names, which are data (`__proto__`, `constructor` are legal): no prototype.
  const out: Record<string, LatestIfaceMetrics> = Object.create(null) as Record<string, LatestIfaceMetrics>;
  for (const r of report.records) {
    if (r.type !== 'sample') continue;
    const prev = out[r.iface];
    if (prev && prev.timeMs > r.timeMs) continue;
    out[r.iface] = { timeMs: r.timeMs, rttAvgMs: r.rttAvgMs, lossPct: r.lossPct, jitterMs: r.jitterMs, state: r.state };
  }
  return out;
}

/** The alerting job of a report, or undefined when it has nothing new for alerting (no new transition, no policy). */
export function buildDeviceEventsJob(
  report: ReportV1,
  newTransitions: TransitionRecord[],
  receivedAtMs: number,
  backfill: boolean,
): { jobId: string; job: DeviceEventsJob } | undefined {
  const policies = policiesOf(report);
  if (newTransitions.length === 0 && policies.length === 0) return undefined;
  const { firstSeq, lastSeq } = seqRange(report);
  return {
    jobId: deviceEventsJobId(report.deviceId, report.bootId, firstSeq, lastSeq),
    job: {
      v: 1,
      deviceId: report.deviceId,
      bootId: report.bootId,
      receivedAtMs,
      transitions: newTransitions,
      policies,
      metrics: latestMetrics(report),
      backfill,
      rounds: qualityRounds(report),
    },
  };
}

/** Every sample of the report as a round summary for alerting's cloud-side quality evaluation. */
export function qualityRounds(report: ReportV1): QualityRoundSummary[] {
  const out: QualityRoundSummary[] = [];
  for (const r of report.records) {
    if (r.type !== 'sample') continue;
    const up = r.state === 'online' || r.state === 'disconnecting';
    out.push({ iface: r.iface, timeMs: r.timeMs, up, lossPct: r.lossPct, rttAvgMs: r.rttAvgMs, jitterMs: r.jitterMs });
  }
  return out;
}

/**
 * The alerting job of a report with samples and nothing else new: its rounds feed the quality
 * evaluation (one job per report batch, so the evaluation is incremental). Undefined without samples.
 */
export function buildRoundsJob(
  report: ReportV1,
  receivedAtMs: number,
  backfill: boolean,
  metrics: Record<string, LatestIfaceMetrics> = latestMetrics(report),
): { jobId: string; job: DeviceEventsJob } | undefined {
  const rounds = qualityRounds(report);
  if (rounds.length === 0) return undefined;
  const { firstSeq, lastSeq } = seqRange(report);
  return {
    jobId: deviceEventsJobId(report.deviceId, report.bootId, firstSeq, lastSeq),
    job: {
      v: 1,
      deviceId: report.deviceId,
      bootId: report.bootId,
      receivedAtMs,
      transitions: [],
      policies: [],
      metrics,
      backfill,
      rounds,
    },
  };
}
