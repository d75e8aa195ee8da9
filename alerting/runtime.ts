import { Queue, UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { InfluxDB } from 'influx';
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import {
  QUEUES,
  ROUNDS_BATCH_JOB,
  deviceEventsJobSchema,
  redisKeys,
  type Mailer,
  type SupervisedWorker,
} from '../store/index.ts';
import { createRecorder } from './adapters/recorder.ts';
import { createSafetyStore } from './adapters/safety-store.ts';
import { createAlertStore } from './adapters/store.ts';
import { attemptsForCoverage } from './core/retry.ts';
import type { BlindnessView } from './core/blindness.ts';
import { sweepDevice } from './core/sweep.ts';
import { createDeliverer, writeRecords, type DeliverLinks, type NotifyJob, type RecordJob } from './deliver.ts';
import { createDeviceSteps, defaultSteps, type AlertingSteps, type FlushJob } from './device-steps.ts';
import { createAlertingMetrics } from './metrics.ts';
import { createInboxRescue } from './inbox-rescue.ts';
import { createNotifyProcessor } from './notify-worker.ts';
import * as rx from './receivers/index.ts';
import { resolveAlertingOptions, type AlertingOptions } from './options.ts';
import { listQuarantine, quarantineCounts } from './quarantine.ts';
import { qualityThresholds } from './core/quality-events.ts';
import { createAlertingHttpApi } from './router.ts';
import { withOutageRetries } from './step-runner.ts';
import { superviseAlertingWorkers } from './workers.ts';
import { createRoundsBatchProcessor } from './rounds-batch.ts';

export interface AlertingDeps {
  /** node-influx client bound to the wanwatch database (RP `forever` must exist). */
  influx: InfluxDB;
  /**
   * A worker connection (`maxRetriesPerRequest: null`, backend/clients.ts `workerRedis`); alerting
   * uses it for its store and its BullMQ queues and workers, and closes it in `close()`.
   */
  redis: Redis;
  /** Redis key prefix (`redisKeys(prefix)`); BullMQ queues live under `${prefix}:bull`. */
  redisPrefix: string;
  /** Sends the emails (the backend's mailer, backend/mail.ts); its owner closes it. */
  mailer: Mailer;
  /** NOC recipients of every device (WANWATCH_ALERT_EMAILS). */
  nocEmails: string[];
  /** Chat and paging receivers told of every notified notice (docs/alerts.md, "Receivers and routes"); HTTP by default. */
  receivers?: { setup: () => rx.ReceiverSetup; transport?: rx.ReceiverTransport };
  /** Without `dashboardUrl`, emails link to a Grafana search for the device here. */
  grafanaUrl?: string;
  /** Link to the device's dashboard, shown in every email when given. */
  dashboardUrl?: (deviceId: string) => string;
  /** Signs acknowledgement and report links in messages (WANWATCH_PUBLIC_URL set); none without. */
  links?: DeliverLinks;
  logger: Logger;
  options?: Partial<AlertingOptions>;
  /** Clock, injectable for tests; defaults to Date.now. */
  nowMs?: () => number;
  /** The pure steps, replaceable for tests (e.g. to inject a step that fails); defaults to alerting/core. */
  steps?: Partial<AlertingSteps>;
}

export interface Alerting {
  /** `POST|GET|DELETE /silences`, `GET /notifications`, `GET /alerting/quarantine`; mount under /api/v1 behind admin auth. */
  router: Router;
  /** Alerting's Prometheus metrics (outage retries, stuck groups flushed, quarantine); serve with the backend's. */
  registry: Registry;
  /** Starts the BullMQ workers (device events, scheduled flush/watchdog, notify). Idempotent. */
  startWorkers(): Promise<void>;
  /** Closes workers, queues and connections (waits for active jobs). */
  close(): Promise<void>;
}

export function createAlerting(deps: AlertingDeps): Alerting {
  const options = resolveAlertingOptions(deps.options);
  const grafana = deps.grafanaUrl?.replace(/\/+$/, '');
  const dashboardUrl =
    deps.dashboardUrl ??
    (grafana ? (id: string) => `${grafana}/dashboards?query=${encodeURIComponent(id)}` : undefined);
  return createAlertingRuntime({ ...deps, dashboardUrl }, options);
}

export function createAlertingRuntime(deps: AlertingDeps, options: AlertingOptions): Alerting {
  const nowMs = deps.nowMs ?? Date.now;
  const log = deps.logger.child({ part: 'alerting' });
  const keys = redisKeys(deps.redisPrefix);
  const redis = deps.redis;
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
  const connection = redis;
  const prefix = keys.bull;
  const store = createAlertStore(redis, deps.redisPrefix);
  const safety = createSafetyStore(redis, deps.redisPrefix);
  const recorder = createRecorder(deps.influx);
  const attempts = attemptsForCoverage(options.retryBaseDelayMs, options.retryMaxDelayMs, options.retryCoverageMs);
  const notifyQueue = new Queue<NotifyJob>(QUEUES.notify, { connection, prefix });
  const timers = new Queue<FlushJob | RecordJob | { v: 1 }>(QUEUES.alertTimers, { connection, prefix });
  const eventsQueue = new Queue(QUEUES.deviceEvents, { connection, prefix });
  const receiverQueue = new Queue<rx.ReceiverJob>(rx.RECEIVERS_QUEUE, { connection, prefix });
  const setups = rx.createSetupStore(redis, deps.redisPrefix, deps.receivers?.setup);
  const list = async () => (await setups.current()).receivers;
  const receivers = { ...deps.receivers, list, recorder, safety, logger: log, nowMs };
  const queues: Record<string, Queue> = { events: eventsQueue, timers, notify: notifyQueue };
  for (const [name, q] of Object.entries(queues))
    q.on('error', (err) => log.warn({ queue: name, err: err.message }, 'queue connection error'));
  const metrics = createAlertingMetrics({ quarantined: () => quarantineCounts(queues, safety) });
  const deliver = createDeliverer({
    store,
    notifyQueue,
    recordQueue: timers,
    nocEmails: deps.nocEmails,
    receivers: { setup: setups.current, queue: receiverQueue },
    dashboardUrl: deps.dashboardUrl,
    links: deps.links,
    logger: log,
    jobOptions: { attempts, recordAttempts: options.poisonMaxAttempts },
  });
  const steps = createDeviceSteps({
    store,
    safety,
    recorder,
    deliver,
    timers,
    options,
    metrics,
    logger: log,
    nowMs,
    steps: { ...defaultSteps, ...deps.steps },
  });
  const rescueStrandedInboxes = createInboxRescue({
    store,
    eventsQueue,
    metrics,
    logger: log,
    drainInboxLocked: steps.drainInboxLocked,
  });
  const onRoundsBatch = createRoundsBatchProcessor({ store, drainInbox: steps.drainInbox, logger: log });
  const workers: SupervisedWorker[] = [];
  let started: Promise<void> | undefined;

  async function onDeviceEvents(job: Job) {
    const parsed = deviceEventsJobSchema.safeParse(job.data);
    if (!parsed.success) {
      throw new UnrecoverableError(
        `device-events job ${job.id}: not a v1 DeviceEventsJob: ${parsed.error.issues[0]?.message}`,
      );
    }
    const deviceId = parsed.data.deviceId;
    // Pushed before any await, so concurrent jobs of one device keep their queue order. A retried
    // job pushes again: harmless, a record already applied is skipped by its seq.
    await store.pushInbox(deviceId, JSON.stringify(parsed.data), job.id);
    await steps.drainInbox(deviceId, job.id);
  }

  async function onFlush(job: Job) {
    await steps.onFlushJob(job.data as FlushJob, job.attemptsMade + 1, job.opts.attempts ?? 1);
  }

  async function sweepOne(
    deviceId: string,
    now: number,
    silences: Awaited<ReturnType<typeof store.silences>>,
    blindness: BlindnessView,
  ) {
    await store.withDeviceLock(deviceId, async () => {
      const [state, lastSeenMs, live, acked] = await Promise.all([
        store.loadState(deviceId),
        store.lastSeen(deviceId),
        store.live(deviceId),
        store.acks(deviceId),
      ]);
      const r = sweepDevice(
        state,
        { lastSeenMs, reportIntervalMs: live.reportIntervalMs, liveBootId: live.bootId, blindness, acked },
        now,
        await store.deviceSilences(deviceId, silences),
        options,
      );
      if (r.reachChange) await recorder.deviceState(deviceId, r.reachChange, lastSeenMs ?? now, now);
      for (const n of r.notices) await deliver(n, r.state, now);
      if (r.openedGroup) await steps.scheduleFlush(deviceId, r.openedGroup, now);
      await store.saveState(r.state);
      if (r.reachChange) log.info({ deviceId, reach: r.reachChange, lastSeenMs }, 'device reachability changed');
    });
  }

  let wasBlind = false;
  /** One sweep across the fleet; a Redis lock makes sure only one process sweeps at a time. */
  async function onSweep() {
    const release = await store.trySweepLock(Math.max(10_000, options.sweepIntervalMs * 4));
    if (!release) return { skipped: 'another sweep is running' };
    try {
      const now = nowMs();
      // A pause in the sweep itself is blindness too (workers down): see docs/alerts.md.
      const blindness = await store.blindness(now, Math.max(10_000, 3 * options.sweepIntervalMs));
      if (blindness.blindNow !== wasBlind)
        log.warn(
          { blind: blindness.blindNow },
          blindness.blindNow
            ? 'no API process is receiving reports: the watchdog declares nothing meanwhile'
            : 'API processes receive reports again',
        );
      wasBlind = blindness.blindNow;
      const [stale, open, silences] = await Promise.all([
        store.staleDevices(now - options.watchdogMinMs),
        store.openDevices(),
        store.silences(),
      ]);
      for (const id of new Set([...stale, ...open])) {
        try {
          await sweepOne(id, now, silences, blindness);
        } catch (err) {
          log.error({ deviceId: id, err: (err as Error).message }, 'sweep of device failed; retried next sweep');
        }
      }
      await steps.rescueStuckGroups(open, now);
      await rescueStrandedInboxes();
      return { devices: new Set([...stale, ...open]).size };
    } finally {
      await release();
    }
  }

  const workerOpts = {
    connection,
    prefix,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.stalledIntervalMs,
    maxStalledCount: options.maxStalledCount,
  };
  const retrying = <T>(step: string, fn: (job: Job) => Promise<T>) =>
    withOutageRetries(step, fn, { options, metrics, logger: log });

  async function start() {
    const flushStep = retrying('flush', onFlush);
    const recordStep = retrying('record', (job) => writeRecords(recorder, job.data as RecordJob));
    const timerStep = async (job: Job, token?: string) => {
      if (job.name === 'flush') return flushStep(job, token);
      if (job.name === 'record') return recordStep(job, token);
      return onSweep();
    };
    workers.push(
      ...superviseAlertingWorkers({
        queues: { events: eventsQueue, timers, notify: notifyQueue, receivers: receiverQueue },
        processors: {
          events: retrying('events', (job) =>
            job.name === ROUNDS_BATCH_JOB ? onRoundsBatch(job) : onDeviceEvents(job),
          ),
          timers: timerStep,
          notify: retrying(
            'notify',
            createNotifyProcessor({ mailer: deps.mailer, recorder, safety, logger: log, nowMs }),
          ),
          receivers: retrying('receiver', rx.createReceiverProcessor(receivers)),
        },
        workerOpts,
        options,
        logger: log,
        isCluster: Boolean(redis.isCluster),
      }),
    );
    await timers.upsertJobScheduler(
      'watchdog-sweep',
      { every: options.sweepIntervalMs },
      { name: 'sweep', data: { v: 1 }, opts: { removeOnComplete: true, removeOnFail: { count: 100 } } },
    );
    await Promise.all(workers.map((w) => w.waitUntilReady()));
  }

  return {
    router: createAlertingHttpApi({
      store,
      influx: deps.influx,
      nowMs,
      quarantine: (limit) => listQuarantine(queues, safety, limit),
      receivers: setups,
      qualityDefaults: qualityThresholds(options),
    }),
    registry: metrics.registry,
    startWorkers() {
      started ??= start();
      return started;
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([...Object.values(queues), receiverQueue].map((q) => q.close()));
      await redis.quit().catch(() => undefined);
    },
  };
}
