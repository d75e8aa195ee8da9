import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { deviceEventsJobSchema, type Silence } from '../store/index.ts';
import { isOutage, viaRedis } from './adapters/outage.ts';
import type { Recorder } from './adapters/recorder.ts';
import type { SafetyStore } from './adapters/safety-store.ts';
import type { AlertStore } from './adapters/store.ts';
import { applyDeviceEvents } from './core/apply-events.ts';
import { flushGroup } from './core/flush.ts';
import type { QualityThresholds } from './core/quality.ts';
import type { DeviceAlertState } from './core/state.ts';
import { decideStuckGroup, flushTarget, type FlushJobState } from './core/stuck-group.ts';
import { jobIdOf, type DeliverNotice } from './deliver.ts';
import type { AlertingMetrics } from './metrics.ts';
import type { AlertingOptions } from './options.ts';
import { linkThresholds } from './link-thresholds.ts';
import { RetrySoonError } from './step-runner.ts';

/**
 * Points of a flush: `start` = notice computed, nothing written; `sealed` = group moved to the
 * outbox; `queued` = the notice's jobs queued, outbox not yet cleared.
 */
export type FlushPoint = 'start' | 'sealed' | 'queued';

/**
 * The pure decisions the device steps run, and a checkpoint between a flush's writes (a no-op);
 * tests replace them to inject a step that fails, or a failure at a point of the flush.
 */
export interface AlertingSteps {
  applyDeviceEvents: typeof applyDeviceEvents;
  flushGroup: typeof flushGroup;
  flushCheckpoint: (point: FlushPoint, deviceId: string, groupId: string) => Promise<void>;
}
export const defaultSteps: AlertingSteps = { applyDeviceEvents, flushGroup, flushCheckpoint: async () => {} };

export interface FlushJob {
  v: 1;
  deviceId: string;
  groupId: string;
}

export interface DeviceStepDeps {
  store: AlertStore;
  safety: SafetyStore;
  recorder: Recorder;
  deliver: DeliverNotice;
  timers: Queue;
  options: AlertingOptions;
  metrics: AlertingMetrics;
  logger: Logger;
  nowMs: () => number;
  steps: AlertingSteps;
}

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The device-level steps of alerting — apply queued events, flush a group, rescue a stuck group —
 * written so that nothing can hold a device for ever: an outage makes a step wait (OutageError,
 * retried by the step runner), and work that keeps failing for any other reason is quarantined
 * after `poisonMaxAttempts` tries while the device's later work goes on.
 */
export function createDeviceSteps(d: DeviceStepDeps) {
  const log = d.logger;

  async function scheduleFlush(deviceId: string, group: { id: string; flushAtMs: number }, now: number) {
    await viaRedis(() =>
      d.timers.add('flush', { v: 1, deviceId, groupId: group.id } satisfies FlushJob, {
        jobId: jobIdOf('flush', deviceId, group.id),
        delay: Math.max(0, group.flushAtMs - now),
        attempts: d.options.poisonMaxAttempts,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: { age: 86_400 },
        removeOnFail: { age: 7 * 86_400 },
      }),
    );
  }

  /** Applies one inbox record to `state`; I/O first, so a failure leaves `state` as it was. */
  async function applyRecord(
    deviceId: string,
    state: DeviceAlertState,
    raw: string,
    now: number,
    quality: ((iface: string) => QualityThresholds) | undefined,
  ) {
    const ev = deviceEventsJobSchema.parse(JSON.parse(raw));
    const wasUnreachable = state.reach === 'unreachable';
    const r = d.steps.applyDeviceEvents(state, ev, now, { ...d.options, qualityFor: quality });
    if (wasUnreachable && r.state.reach === 'reachable') {
      await d.recorder.deviceState(deviceId, 'reachable', ev.receivedAtMs, now);
    }
    await d.recorder.linkQuality(deviceId, r.quality);
    if (r.openedGroup) await scheduleFlush(deviceId, r.openedGroup, now);
    return r;
  }

  /**
   * Applies the inbox in order until the end or the first record that fails; saves what was
   * applied. Returns the failing record and its error, or null when all went in.
   */
  async function applyInbox(deviceId: string, pending: string[]): Promise<{ raw: string; err: unknown } | null> {
    const now = d.nowMs();
    let state = await d.store.loadState(deviceId);
    const quality = await linkThresholds(d.store, d.options, deviceId);
    let applied = 0;
    let failure: { raw: string; err: unknown } | null = null;
    for (const raw of pending) {
      try {
        state = (await applyRecord(deviceId, state, raw, now, quality)).state;
        applied += 1;
      } catch (err) {
        failure = { raw, err };
        break;
      }
    }
    if (applied > 0) {
      await d.store.saveState(state);
      await d.store.trimInbox(deviceId, applied);
    }
    return failure;
  }

  /**
   * Drains the device's inbox (under its lock). A record that fails for a reason other than an
   * outage is tried again soon, and after poisonMaxAttempts failures it is quarantined and
   * removed, so the records behind it are applied.
   *
   * | failure | failures of this record so far | result |
   * |---|---|---|
   * | outage | – | throw (waits for the service) |
   * | other | < poisonMaxAttempts | RetrySoonError |
   * | other | = poisonMaxAttempts | quarantined, every copy removed, drain goes on |
   * | other | > poisonMaxAttempts (a copy queued again by a retried job) | removed, drain goes on |
   */
  async function drainInbox(deviceId: string, jobId: string | undefined) {
    await d.store.withDeviceLock(deviceId, () => drainInboxLocked(deviceId, jobId));
  }

  /** drainInbox for a caller that holds the device lock already. */
  async function drainInboxLocked(deviceId: string, jobId: string | undefined) {
    for (let round = 0; round < 100; round++) {
      const pending = await d.store.readInbox(deviceId);
      if (pending.length === 0) return;
      const failure = await applyInbox(deviceId, pending);
      if (!failure) {
        if (pending.length < 1000) return;
        continue;
      }
      if (isOutage(failure.err)) throw failure.err;
      const key = `inbox/${deviceId}/${createHash('sha1').update(failure.raw).digest('hex')}`;
      const failures = await d.safety.countFailure(key);
      if (failures < d.options.poisonMaxAttempts) {
        throw new RetrySoonError(`device ${deviceId}: events record failed: ${errText(failure.err)}`, {
          cause: failure.err,
        });
      }
      // A retried job queues its record again: a copy of a record already quarantined is dropped.
      if (failures === d.options.poisonMaxAttempts) {
        await d.safety.quarantine({
          kind: 'device_events',
          deviceId,
          subject: failure.raw,
          error: errText(failure.err),
          attempts: failures,
          atMs: d.nowMs(),
        });
        log.error(
          { deviceId, jobId, attempts: failures, err: errText(failure.err) },
          'events record quarantined after repeated failures; the device continues without it',
        );
      }
      await d.store.dropFromInbox(deviceId, failure.raw);
    }
  }

  /** Queues the outbox's notify and record jobs (stable ids: a second time is a no-op), then clears it. */
  async function deliverOutbox(state: DeviceAlertState, now: number): Promise<DeviceAlertState> {
    const outbox = state.outbox;
    if (!outbox) return state;
    await d.deliver(outbox.notice, state, now);
    await d.steps.flushCheckpoint('queued', state.deviceId, outbox.groupId);
    const cleared = { ...state, outbox: null };
    await d.store.saveState(cleared);
    return cleared;
  }

  /**
   * Flushes a group (idempotent by group id: a replayed flush sends nothing twice). Three writes,
   * safe against a failure between any two: (1) one state write clears the group and keeps its
   * notice in the outbox, so an event arriving from then on opens a new group; (2) the notice's jobs
   * are queued; (3) the outbox is cleared. A re-run (this job retried, or the watchdog) finds the
   * outbox and does (2) and (3) again — the jobs' stable ids make (2) a no-op the second time.
   */
  async function flushNow(deviceId: string, groupId: string) {
    await d.store.withDeviceLock(deviceId, async () => {
      const now = d.nowMs();
      const [loaded, silences] = await Promise.all([d.store.loadState(deviceId), d.store.deviceSilences(deviceId)]);
      const state = await deliverOutbox(loaded, now);
      const group = state.group;
      const r = d.steps.flushGroup(state, groupId, now, silences);
      if (!r.notice || !group) return;
      await d.steps.flushCheckpoint('start', deviceId, groupId);
      const sealed = { ...r.state, outbox: { groupId, flushAtMs: group.flushAtMs, notice: r.notice } };
      await d.store.saveState(sealed);
      await d.steps.flushCheckpoint('sealed', deviceId, groupId);
      await deliverOutbox(sealed, now);
    });
  }

  /**
   * Sets a group that cannot be flushed aside (quarantine) and clears it, so later events open a new
   * one. An outbox is what failed when there is one (a flush delivers it before anything else).
   */
  async function quarantineGroup(deviceId: string, groupId: string, err: unknown, attempts: number) {
    const quarantined = await d.store.withDeviceLock(deviceId, async () => {
      const state = await d.store.loadState(deviceId);
      const inOutbox = state.outbox !== null;
      if (!inOutbox && state.group?.id !== groupId) return null;
      await d.safety.quarantine({
        kind: 'group',
        deviceId,
        subject: JSON.stringify(inOutbox ? state.outbox : state.group),
        error: errText(err),
        attempts,
        atMs: d.nowMs(),
      });
      await d.store.saveState(inOutbox ? { ...state, outbox: null } : { ...state, group: null });
      return state.outbox?.groupId ?? groupId;
    });
    if (quarantined === null) return;
    log.error(
      { deviceId, groupId: quarantined, attempts, err: errText(err) },
      'alert group quarantined after repeated failures; its events are not emailed',
    );
  }

  /** The flush job: on its last attempt, a flush that fails for a reason other than an outage is quarantined. */
  async function onFlushJob(data: FlushJob, attempt: number, maxAttempts: number) {
    try {
      await flushNow(data.deviceId, data.groupId);
    } catch (err) {
      if (!isOutage(err) && attempt >= maxAttempts) await quarantineGroup(data.deviceId, data.groupId, err, attempt);
      throw err;
    }
  }

  /**
   * Watchdog (run by the periodic sweep): flushes groups past due whose flush job can no longer
   * fire (see decideStuckGroup). A flush that fails here is retried at the next sweep; one that
   * keeps failing for a reason other than an outage is quarantined after poisonMaxAttempts.
   */
  async function rescueStuckGroups(deviceIds: Iterable<string>, now: number, _silences?: Silence[]) {
    for (const deviceId of deviceIds) {
      const group = flushTarget(await d.store.loadState(deviceId));
      if (!group || now < group.flushAtMs) continue;
      const jobState = (await viaRedis(() =>
        d.timers.getJobState(jobIdOf('flush', deviceId, group.id)),
      )) as FlushJobState;
      if (decideStuckGroup(group, jobState, now) !== 'flush') continue;
      d.metrics.stuckGroupsFlushed.inc();
      log.warn(
        { deviceId, groupId: group.id, flushJob: jobState, dueMs: group.flushAtMs },
        'flushing a stuck alert group',
      );
      try {
        await flushNow(deviceId, group.id);
      } catch (err) {
        if (isOutage(err)) {
          log.warn({ deviceId, err: errText(err) }, 'stuck group flush waits for a service; next sweep tries again');
          continue;
        }
        const failures = await d.safety.countFailure(`group/${deviceId}/${group.id}`);
        if (failures >= d.options.poisonMaxAttempts) await quarantineGroup(deviceId, group.id, err, failures);
        else log.error({ deviceId, failures, err: errText(err) }, 'stuck group flush failed; next sweep tries again');
      }
    }
  }

  return { drainInbox, drainInboxLocked, onFlushJob, rescueStuckGroups, scheduleFlush };
}
