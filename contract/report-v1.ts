import { z } from 'zod';
import { familySchema, ifaceStateSchema, lastResortSchema, targetStatusSchema } from './states.ts';

/**
 * Report wire format, version 1: what `wanwatch-reporter` POSTs to `/api/v1/reports`.
 * Every field is documented in docs/report-format.md; keep the two in step.
 *
 * One report carries records of one boot of one device. Every record (sample, transition, policy
 * snapshot) has a `seq` from one per-device counter that continues across restarts as long as the
 * spool survives; `bootId` + `seq` identifies a record for ever, so a retried upload can never
 * produce a second point or a second email.
 */

/** Upper bound (UTF-16 code units) for names that become InfluxDB tags (interface, target, policy). */
export const MAX_NAME_LENGTH = 128;
/**
 * What a name may hold: Unicode scalar values except control characters (C0, DEL, C1). A lone
 * UTF-16 surrogate (`"wan\ud800"`, legal JSON) is not a character: Redis' JSON decoder and
 * InfluxDB refuse it. With the `u` flag a paired surrogate is one astral code point, not `Cs`.
 */
export const NAME_PATTERN = /^[^\p{Cc}\p{Cs}]+$/u;
/** Largest latency or jitter a report may carry (1 h): probes time out after seconds; larger is a bug. */
export const MAX_REPORTED_MS = 3_600_000;
/** Largest probe count, score, weight-like integer a report may carry. */
export const MAX_REPORTED_COUNT = 1_000_000;
/** Reports may not be stamped further than this into the future (device clock skew allowance). */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/** Largest number of records one report may carry. */
export const MAX_RECORDS_PER_REPORT = 5_000;

const name = z
  .string()
  .min(1)
  .max(MAX_NAME_LENGTH)
  .regex(NAME_PATTERN, 'names hold Unicode characters only: no control characters, no lone surrogates');
const seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** Unix epoch milliseconds; the lower bound (2020-01-01) catches seconds-vs-ms mistakes and unset clocks. */
export const EPOCH_MS_MIN = Date.UTC(2020, 0, 1);
const timeMs = z.number().int().min(EPOCH_MS_MIN);
const ms = z.number().finite().nonnegative().max(MAX_REPORTED_MS).nullable();
const count = z.number().int().nonnegative().max(MAX_REPORTED_COUNT);
const pct = z.number().finite().min(0).max(100).nullable();

/** Latency, loss and jitter over a set of packets; null when no reply arrived (nothing to measure). */
const metricsShape = {
  rttAvgMs: ms,
  rttMinMs: ms,
  rttMaxMs: ms,
  lossPct: pct,
  jitterMs: ms,
};

export const targetResultSchema = z.strictObject({
  target: name,
  status: targetStatusSchema,
  sent: count,
  received: count,
  ...metricsShape,
});
export type TargetResult = z.infer<typeof targetResultSchema>;

/** One tracker round of one interface. */
export const sampleRecordSchema = z.strictObject({
  type: z.literal('sample'),
  seq,
  timeMs,
  iface: name,
  /** Linux device the probes were bound to (e.g. `eth1`), when known. */
  device: name.optional(),
  state: ifaceStateSchema,
  /** mwan3track score after this round (0 … up+down). */
  score: count,
  /** Round verdict: at least `reliability` targets succeeded. */
  roundOk: z.boolean(),
  /** Warn thresholds crossed (latency or loss); always false when warn thresholds are off. */
  degraded: z.boolean(),
  ...metricsShape,
  targets: z.array(targetResultSchema).max(64),
});
export type SampleRecord = z.infer<typeof sampleRecordSchema>;

export const TRANSITION_REASONS = ['start', 'track', 'ifup', 'ifdown', 'stop', 'config', 'mwan3'] as const;

/** A change of an interface's state, as decided by the device's tracker. */
export const transitionRecordSchema = z.strictObject({
  type: z.literal('transition'),
  seq,
  timeMs,
  iface: name,
  from: ifaceStateSchema,
  to: ifaceStateSchema,
  score: count,
  /** Why: `start` (tracker start / firstconnect), `track` (probe rounds), `ifup`/`ifdown` (netifd),
   * `stop` (reporter shut down), `config` (interface added/removed by a reload), `mwan3` (taken from mwan3 itself). */
  reason: z.enum(TRANSITION_REASONS),
  degraded: z.boolean().optional(),
});
export type TransitionRecord = z.infer<typeof transitionRecordSchema>;

export const policyMemberSchema = z.strictObject({
  iface: name,
  /** floor(weight*100/sum) over the online members with the lowest metric; 0 for members not carrying traffic. */
  sharePct: z.number().int().min(0).max(100),
  metric: z.number().int().min(1).max(256),
  weight: z.number().int().min(1).max(1000),
});

export const policySplitSchema = z.strictObject({
  policy: name,
  family: familySchema,
  members: z.array(policyMemberSchema).max(64),
  lastResort: lastResortSchema,
  /** True when no member is online and traffic goes to the last resort. */
  lastResortActive: z.boolean(),
});
export type PolicySplit = z.infer<typeof policySplitSchema>;

/** Policy splits of the whole device at one moment; sent on every change and periodically. */
export const policyRecordSchema = z.strictObject({
  type: z.literal('policy'),
  seq,
  timeMs,
  policies: z.array(policySplitSchema).max(64),
});
export type PolicyRecord = z.infer<typeof policyRecordSchema>;

export const reportRecordSchema = z.discriminatedUnion('type', [
  sampleRecordSchema,
  transitionRecordSchema,
  policyRecordSchema,
]);
export type ReportRecord = z.infer<typeof reportRecordSchema>;

export const deviceIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:-]*$/,
    'device id: letters, digits, ".", "_", ":", "-"; starting with a letter or digit',
  );

export const reportV1Schema = z
  .strictObject({
    v: z.literal(1),
    deviceId: deviceIdSchema,
    /** Random id chosen at every reporter start. */
    bootId: z
      .string()
      .min(8)
      .max(64)
      .regex(/^[A-Za-z0-9-]+$/),
    /** Device clock when the report was sent. */
    sentAtMs: timeMs,
    /** How often reports arrive (the longer of the shortest tracking interval and the batch delay); the watchdog's default timeout is 3× this. */
    reportIntervalMs: z.number().int().min(100).max(3_600_000),
    /** Reporter version string, for support. */
    agent: z.string().max(64).optional(),
    records: z.array(reportRecordSchema).min(1).max(MAX_RECORDS_PER_REPORT),
  })
  .superRefine((report, ctx) => {
    const seen = new Set<number>();
    report.records.forEach((r, i) => {
      if (seen.has(r.seq))
        ctx.addIssue({ code: 'custom', path: ['records', i, 'seq'], message: `duplicate seq ${r.seq}` });
      seen.add(r.seq);
    });
  });
export type ReportV1 = z.infer<typeof reportV1Schema>;

/** Checks that need the receiver's clock, kept out of the schema so that parsing stays pure. */
export function findFutureRecord(report: ReportV1, nowMs: number): { index: number; timeMs: number } | undefined {
  const limit = nowMs + MAX_FUTURE_SKEW_MS;
  const index = report.records.findIndex((r) => r.timeMs > limit);
  return index < 0 ? undefined : { index, timeMs: report.records[index]!.timeMs };
}

/**
 * Raw-retention margin: a sample this close to falling out of the raw retention policy is refused
 * too, since InfluxDB drops points older than its own clock minus the duration.
 */
export const RETENTION_MARGIN_MS = 3_600_000;

/**
 * The first sample or policy record that the raw retention policy cannot hold any more (InfluxDB
 * would drop it, and a retry would fail the same way for ever). Transitions go to the `forever`
 * retention policy and are never too old.
 *
 * | record type        | timeMs < now - rawRetentionMs + 1 h | result    |
 * |--------------------|-------------------------------------|-----------|
 * | sample, policy     | yes                                 | too old   |
 * | sample, policy     | no                                  | storable  |
 * | transition         | any                                 | storable  |
 */
export function findExpiredRecord(
  report: ReportV1,
  nowMs: number,
  rawRetentionMs: number,
): { index: number; timeMs: number } | undefined {
  const limit = nowMs - rawRetentionMs + RETENTION_MARGIN_MS;
  const index = report.records.findIndex((r) => r.type !== 'transition' && r.timeMs < limit);
  return index < 0 ? undefined : { index, timeMs: report.records[index]!.timeMs };
}

/** The answer to a report: the highest `seq` of this boot that is now durable (points written and transitions queued). */
export const reportAckSchema = z.strictObject({
  v: z.literal(1),
  bootId: z.string(),
  ackSeq: seq,
  /** Records written (a retried batch counts again; the points are rewritten, not added). */
  accepted: z.number().int().nonnegative(),
  /** Transitions seen before (same bootId+seq) and therefore not queued again. */
  duplicateTransitions: z.number().int().nonnegative(),
});
export type ReportAck = z.infer<typeof reportAckSchema>;
