import { z } from 'zod';

/**
 * Tunables of alerting. Defaults are what production wants; tests shorten the waits.
 * Every duration carries its unit in its name.
 */
export const alertingOptionsSchema = z.strictObject({
  /** Events of one device within this wait become one email. */
  groupWaitMs: z.number().int().min(0).max(600_000).default(10_000),
  /** A device with no report for max(watchdogMinMs, watchdogIntervalFactor × reportIntervalMs) is unreachable. */
  watchdogMinMs: z.number().int().min(100).default(15_000),
  watchdogIntervalFactor: z.number().min(1).max(100).default(3),
  /**
   * The reporter's upload retry back-off (device-reporter/uploader defaults): after a gap of the
   * backend (down, or not receiving) a device gets min(max, 4 × gap + 2 × base) on top of its
   * watchdog timeout before it can be unreachable.
   */
  reporterBackoffBaseMs: z.number().int().min(0).default(1_000),
  reporterBackoffMaxMs: z.number().int().min(0).default(300_000),
  /** How often the watchdog sweep runs (also checks reminders and the end of flapping). */
  sweepIntervalMs: z.number().int().min(50).max(600_000).default(5_000),
  /** More than flapMaxChanges link changes within flapWindowMs = flapping; stable for flapWindowMs = ended. */
  flapMaxChanges: z.number().int().min(2).max(1000).default(5),
  flapWindowMs: z
    .number()
    .int()
    .min(1_000)
    .default(10 * 60_000),
  /** Reminder for outages still open after this long, then again every interval; 0 = off. */
  reminderIntervalMs: z
    .number()
    .int()
    .min(0)
    .default(4 * 3_600_000),
  /** Delivery retries: exponential from retryBaseDelayMs, capped at retryMaxDelayMs, for at least retryCoverageMs in total. */
  retryBaseDelayMs: z.number().int().min(10).default(10_000),
  retryMaxDelayMs: z
    .number()
    .int()
    .min(10)
    .default(30 * 60_000),
  retryCoverageMs: z
    .number()
    .int()
    .min(0)
    .default(25 * 3_600_000),
  /** BullMQ worker lock; a worker that dies mid-send releases its job after this (stalled-job recovery). */
  lockDurationMs: z.number().int().min(200).default(30_000),
  stalledIntervalMs: z.number().int().min(200).default(30_000),
  /**
   * A job whose lock lapsed (its worker died, or its event loop stalled past lockDurationMs) runs
   * again this many times before it fails for good. BullMQ's default of 1 loses an alert when a
   * busy worker once missed a lock renewal and the next one was then killed; a job that crashed
   * its worker three times is a poison pill and fails visibly.
   */
  maxStalledCount: z.number().int().min(0).max(100).default(3),
  /**
   * A step that fails because InfluxDB, Redis or the device lock is unavailable (an outage, not a
   * fault of the job) is retried for as long as the outage lasts: after outageRetryBaseMs, doubling,
   * at most outageRetryMaxDelayMs apart. These waits do not use up the job's attempts.
   */
  outageRetryBaseMs: z.number().int().min(10).default(1_000),
  outageRetryMaxDelayMs: z.number().int().min(10).max(600_000).default(30_000),
  /**
   * A step that fails for any other reason (a bug, data it cannot handle) is tried this many times,
   * then quarantined (GET /api/v1/alerting/quarantine, metric wanwatch_alerting_quarantined) so that
   * the device's later events go on.
   */
  poisonMaxAttempts: z.number().int().min(1).max(50).default(5),
  /** Concurrency of the notify worker (SMTP sends in parallel) and of the events and timer workers (Redis/InfluxDB bound). */
  notifyConcurrency: z.number().int().min(1).max(200).default(25),
  eventsConcurrency: z.number().int().min(1).max(100).default(16),
  /**
   * Cloud-side link quality (core/quality.ts, docs/alerts.md "Link quality"): the sliding window
   * (0 = evaluation off), how long a verdict must hold before it changes, and the enter/leave
   * thresholds of window loss, RTT p95 and jitter.
   */
  qualityWindowMs: z
    .number()
    .int()
    .min(0)
    .max(24 * 3_600_000)
    .default(5 * 60_000),
  qualityMinDurationMs: z.number().int().min(0).default(60_000),
  qualityLossEnterPct: z.number().min(0).max(100).default(10),
  qualityLossLeavePct: z.number().min(0).max(100).default(5),
  qualityRttP95EnterMs: z.number().min(0).default(300),
  qualityRttP95LeaveMs: z.number().min(0).default(200),
  qualityJitterEnterMs: z.number().min(0).default(60),
  qualityJitterLeaveMs: z.number().min(0).default(40),
});
export type AlertingOptions = z.infer<typeof alertingOptionsSchema>;

/** Validates partial options; the error names the bad key (`alerting option groupWaitMs: …`). */
export function resolveAlertingOptions(partial: Partial<AlertingOptions> = {}): AlertingOptions {
  const r = alertingOptionsSchema.safeParse(partial);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`alerting option ${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}
