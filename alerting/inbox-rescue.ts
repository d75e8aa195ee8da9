import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { isOutage, viaRedis } from './adapters/outage.ts';
import type { AlertStore } from './adapters/store.ts';
import { decideStrandedInbox, type EventsJobState } from './core/stranded-inbox.ts';
import type { AlertingMetrics } from './metrics.ts';

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Watchdog for inbox records no events job will apply (see decideStrandedInbox), run by the periodic
 * sweep. The drain is the events job's own (under the device lock, records already applied skipped
 * by their seq, poison quarantined after poisonMaxAttempts); one that fails is tried again next sweep.
 */
export function createInboxRescue(d: {
  store: AlertStore;
  eventsQueue: Queue;
  metrics: AlertingMetrics;
  logger: Logger;
  drainInboxLocked: (deviceId: string, jobId: string | undefined) => Promise<void>;
}) {
  /** States of the jobs that pushed into the inbox, stopping at the first live one (enough for the decision). */
  async function jobStates(deviceId: string): Promise<EventsJobState[]> {
    const states: EventsJobState[] = [];
    for (const id of await d.store.inboxJobIds(deviceId)) {
      states.push((await viaRedis(() => d.eventsQueue.getJobState(id))) as EventsJobState);
      if (decideStrandedInbox(1, states) === 'wait') break;
    }
    return states;
  }

  async function rescueOne(deviceId: string) {
    // Cheap look first: most inboxes the sweep sees were drained by their own job meanwhile.
    if ((await d.store.inboxLength(deviceId)) === 0) {
      await d.store.forgetInboxIfEmpty(deviceId);
      return;
    }
    // Decided under the device lock: a live job drains only under it, so none is half-way through.
    await d.store.withDeviceLock(deviceId, async () => {
      const records = await d.store.inboxLength(deviceId);
      const states = records === 0 ? [] : await jobStates(deviceId);
      const decision = decideStrandedInbox(records, states);
      if (decision === 'wait') return;
      if (decision === 'drain') {
        d.metrics.strandedInboxesDrained.inc();
        d.logger.warn(
          { deviceId, records, jobs: states },
          'applying events records whose job ended without applying them',
        );
        await d.drainInboxLocked(deviceId, undefined);
      }
      await d.store.forgetInboxIfEmpty(deviceId);
    });
  }

  /** One pass over the devices whose inbox may hold records. */
  return async function rescueStrandedInboxes(): Promise<void> {
    for (const deviceId of await d.store.inboxDevices()) {
      try {
        await rescueOne(deviceId);
      } catch (err) {
        d.logger.warn(
          { deviceId, outage: isOutage(err), err: errText(err) },
          'stranded inbox not drained yet; next sweep tries again',
        );
      }
    }
  };
}
