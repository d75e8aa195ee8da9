import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { isOutage, viaRedis } from './adapters/outage.ts';
import { parseInboxEntry, type AlertStore } from './adapters/store.ts';
import { decideStrandedInbox, type EventsJobState } from './core/stranded-inbox.ts';
import type { AlertingMetrics } from './metrics.ts';

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Job ids of the records in an inbox, first seen first (a record without one counts as no job). */
function jobIdsOf(records: string[]): Array<string | null> {
  const ids = new Set<string | null>();
  for (const raw of records) {
    try {
      ids.add(parseInboxEntry(raw).jobId);
    } catch {
      ids.add(null);
    }
  }
  return [...ids];
}

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
  /** States of the records' jobs, stopping at the first live one (enough for the decision). */
  async function jobStates(records: string[]): Promise<EventsJobState[]> {
    const states: EventsJobState[] = [];
    for (const id of jobIdsOf(records)) {
      const state = id === null ? 'unknown' : ((await viaRedis(() => d.eventsQueue.getJobState(id))) as EventsJobState);
      states.push(state);
      if (decideStrandedInbox(states) === 'wait') break;
    }
    return states;
  }

  async function rescueOne(deviceId: string) {
    // Cheap look first: most inboxes the sweep sees were drained by their own job meanwhile.
    if ((await d.store.readInbox(deviceId)).length === 0) {
      await d.store.forgetInboxIfEmpty(deviceId);
      return;
    }
    // Decided under the device lock: a live job drains only under it, so none is half-way through.
    await d.store.withDeviceLock(deviceId, async () => {
      const records = await d.store.readInbox(deviceId);
      const states = await jobStates(records);
      const decision = decideStrandedInbox(states);
      if (decision === 'forget') await d.store.forgetInboxIfEmpty(deviceId);
      if (decision !== 'drain') return;
      d.metrics.strandedInboxesDrained.inc();
      d.logger.warn(
        { deviceId, records: records.length, jobs: states },
        'applying events records whose job ended without applying them',
      );
      await d.drainInboxLocked(deviceId, undefined);
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
