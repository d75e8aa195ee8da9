import { z } from 'zod';
import { policyRecordSchema, transitionRecordSchema } from '../contract/report-v1.ts';

/**
 * Events and queue payloads between ingest and alerting, and incident kinds shown to people.
 * Queue payloads are versioned (`v: 1`); a worker refuses a version it does not know.
 */

/** Every BullMQ queue of the backend (all under `keys.bull`); one owner each, so no worker takes another's jobs. */
export const QUEUES = {
  /** ingest -> alerting: new transitions, policy snapshots and probe-round summaries of one report. */
  deviceEvents: 'ww-device-events',
  /** alerting -> SMTP: one job per notification (incident x recipients). */
  notify: 'ww-notify',
  /** alerting's timers: group-wait flushes, the watchdog sweep, record writes. */
  alertTimers: 'ww-alert-timers',
  /** scheduled uptime report emails (reports). */
  reports: 'ww-reports',
  /** API writes -> the audit log in InfluxDB (ingest/audit-queue.ts). */
  audit: 'ww-audit',
} as const;

/** Last measured figures of an interface, carried so emails can show them. */
export const latestIfaceMetricsSchema = z.strictObject({
  timeMs: z.number().int(),
  rttAvgMs: z.number().nullable(),
  lossPct: z.number().nullable(),
  jitterMs: z.number().nullable(),
  state: z.string(),
});
export type LatestIfaceMetrics = z.infer<typeof latestIfaceMetricsSchema>;

/** One probe round of one interface, summarised for the cloud-side quality evaluation. */
export const qualityRoundSchema = z.strictObject({
  iface: z.string(),
  timeMs: z.number().int(),
  /** The interface was up (online or disconnecting) in that round. */
  up: z.boolean(),
  lossPct: z.number().nullable(),
  rttAvgMs: z.number().nullable(),
  jitterMs: z.number().nullable(),
});
export type QualityRoundSummary = z.infer<typeof qualityRoundSchema>;

export const deviceEventsJobSchema = z.strictObject({
  v: z.literal(1),
  deviceId: z.string(),
  bootId: z.string(),
  receivedAtMs: z.number().int(),
  /** Transitions not seen before (deduplicated by bootId+seq at ingest), in seq order. */
  transitions: z.array(transitionRecordSchema),
  /** Policy snapshots of the report, in seq order. */
  policies: z.array(policyRecordSchema),
  /** Latest sample figures per interface from the report. */
  metrics: z.record(z.string(), latestIfaceMetricsSchema),
  /** True when the report carried records older than the device's last-seen time (back-fill after a cut). */
  backfill: z.boolean(),
  /** Every sample of the report, summarised, in the report's order (absent in jobs queued before quality evaluation). */
  rounds: z.array(qualityRoundSchema).optional(),
});
export type DeviceEventsJob = z.infer<typeof deviceEventsJobSchema>;

/**
 * Job name of a batch of reports without a new transition on QUEUES.deviceEvents (nearly all
 * reports: probe rounds, policy snapshots): the alerting records of the reports that one ingest
 * tick acknowledged, in arrival order (one job instead of one per report; a report with a new
 * transition keeps a job of its own, named `report`). A batch queued twice adds nothing: policy
 * snapshots already applied are skipped by their seq, rounds by their time.
 */
export const ROUNDS_BATCH_JOB = 'rounds';

/** Most reports one rounds batch carries (a tick with more queues several batches). */
export const ROUNDS_BATCH_MAX_REPORTS = 100;

/** A rounds batch as stored; each item is checked on its own (deviceEventsJobSchema) by the worker. */
export const roundsBatchJobSchema = z.strictObject({
  v: z.literal(1),
  reports: z.array(z.unknown()).min(1),
});
export type RoundsBatchJob = { v: 1; reports: DeviceEventsJob[] };

/**
 * BullMQ job id of a device-events job: deterministic, so the same report retried is queued once.
 * Never an integer string, and no ":" (BullMQ 6 rejects custom ids with ":" unless they have exactly
 * three parts), so a ":" of the device id is written `%3A`. Unique: bootIds never contain "_".
 */
export function deviceEventsJobId(deviceId: string, bootId: string, firstSeq: number, lastSeq: number): string {
  return `ev_${deviceId.replace(/:/g, '%3A')}_${bootId}_${firstSeq}-${lastSeq}`;
}

export const INCIDENT_KINDS = [
  'link_down',
  'link_up',
  'all_links_down',
  'policy_change',
  'link_degraded',
  'link_recovered',
  'device_unreachable',
  'device_back_online',
  'flapping',
  'reminder',
] as const;
export const incidentKindSchema = z.enum(INCIDENT_KINDS);
export type IncidentKind = z.infer<typeof incidentKindSchema>;

export const NOTIFICATION_STATUSES = ['queued', 'sent', 'retrying', 'failed', 'suppressed', 'no_recipients'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

export const DEVICE_REACHABILITY = ['reachable', 'unreachable'] as const;
export type DeviceReachability = (typeof DEVICE_REACHABILITY)[number];
