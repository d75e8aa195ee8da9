import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { deviceEventsJobSchema, roundsBatchJobSchema, type DeviceEventsJob } from '../store/index.ts';
import { isOutage } from './adapters/outage.ts';
import type { AlertStore } from './adapters/store.ts';

/** Devices of one batch drained at once: enough to hide Redis round trips, few enough to share a worker. */
const DRAIN_PARALLEL = 8;

/**
 * The processor of a rounds batch (ROUNDS_BATCH_JOB): the alerting records of the reports without
 * a new transition (rounds, policy snapshots) that one ingest tick acknowledged. Each record goes
 * to its device's inbox and is applied there exactly as a report's own job would be, so a device's
 * records keep their order with its other jobs, and one device's trouble does not hold the others
 * of the batch:
 *
 * | outcome of the drains                        | result                                               |
 * |----------------------------------------------|------------------------------------------------------|
 * | all applied                                  | done                                                 |
 * | some device failed, one of them by an outage | every other device drained; the outage is thrown     |
 * | some device failed, none by an outage        | every other device drained; the first error thrown   |
 * | an item that is not a DeviceEventsJob        | logged and skipped (never built by ingest)           |
 * | not a v1 batch                               | UnrecoverableError                                   |
 *
 * A thrown error makes the step runner try the whole batch again (withOutageRetries): its records
 * are pushed once more, which applies nothing twice (rounds not newer than the last one applied
 * are skipped) and lets the poison rules of the drain count the failing record.
 */
export function createRoundsBatchProcessor(d: {
  store: Pick<AlertStore, 'pushInbox'>;
  drainInbox: (deviceId: string, jobId: string | undefined) => Promise<void>;
  logger: Logger;
}) {
  return async function onRoundsBatch(job: Job): Promise<void> {
    const batch = roundsBatchJobSchema.safeParse(job.data);
    if (!batch.success) {
      throw new UnrecoverableError(`rounds batch ${job.id}: not a v1 batch: ${batch.error.issues[0]?.message}`);
    }
    const records: DeviceEventsJob[] = [];
    for (const [i, item] of batch.data.reports.entries()) {
      const parsed = deviceEventsJobSchema.safeParse(item);
      if (parsed.success) records.push(parsed.data);
      else
        d.logger.error({ jobId: job.id, item: i, err: parsed.error.issues[0]?.message }, 'rounds batch item skipped');
    }
    // Every push is sent before anything awaits, so the inboxes keep the queue's order.
    await Promise.all(records.map((r) => d.store.pushInbox(r.deviceId, JSON.stringify(r), job.id)));
    const devices = [...new Set(records.map((r) => r.deviceId))];
    const failures: unknown[] = [];
    let next = 0;
    const lane = async () => {
      while (next < devices.length) {
        const deviceId = devices[next++]!;
        await d.drainInbox(deviceId, job.id).catch((err: unknown) => failures.push(err));
      }
    };
    await Promise.all(Array.from({ length: Math.min(DRAIN_PARALLEL, devices.length) }, lane));
    if (failures.length > 0) throw failures.find(isOutage) ?? failures[0];
  };
}
