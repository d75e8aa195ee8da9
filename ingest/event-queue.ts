import { Queue, type ConnectionOptions } from 'bullmq';
import { Cluster } from 'ioredis';
import { ProblemError } from '../contract/index.ts';
import { QUEUES, ROUNDS_BATCH_JOB, ROUNDS_BATCH_MAX_REPORTS } from '../store/index.ts';
import type { DeviceEventsJob, RoundsBatchJob } from '../store/index.ts';
import { clusterReplicaAck, noReplicaAck, ReplicaNotAckedError } from './replica-ack.ts';
import { batchPerTick } from './tick-batch.ts';

/** How long an add waits for a Redis Cluster replica to confirm it before the report is refused (503). */
const REPLICA_ACK_TIMEOUT_MS = 1_000;

/** The producer side of ingest -> alerting (role interface; BullMQ in production). */
export interface EventQueue {
  /**
   * Adds a job; a second add with the same jobId is a no-op. Throws ProblemError('redis_unavailable')
   * when Redis is down or, on a Redis Cluster, when no replica confirms the job (replica-ack.ts).
   */
  add(jobId: string, job: DeviceEventsJob): Promise<void>;
  /**
   * Queues the alerting record of a report without a new transition (probe rounds, policy
   * snapshots) in the tick's rounds batch (ROUNDS_BATCH_JOB); resolves once the batch is in Redis.
   * Same errors as `add`.
   */
  addRounds(job: DeviceEventsJob): Promise<void>;
  close(): Promise<void>;
}

export interface BullEventQueueOptions {
  /** A fail-fast connection (backend/clients.ts `bullConnection(url, { failFast: true })`). */
  connection: ConnectionOptions;
  /** BullMQ key prefix, normally `redisKeys(prefix).bull`. */
  prefix: string;
  /** On a Redis Cluster: how long an add waits for a replica to hold it (default 1 s). */
  replicaAckTimeoutMs?: number;
}

/**
 * BullMQ producer on QUEUES.deviceEvents. `enableOfflineQueue: false` makes `add` fail at once
 * while Redis is down, so the report is answered 503 and the reporter retries, instead of hanging.
 *
 * The adds of one tick go out as one `addBulk` (one pipeline: one socket write, one reply): the
 * reports that one group-commit write resumes all queue their job in the same tick. Each job is
 * still its own BullMQ add script with its own deterministic jobId, so a retried report is queued
 * once, and each caller's promise resolves only once its own job is in Redis. When a bulk fails
 * for anything but the connection, its jobs are added one by one, so only a bad job fails.
 *
 * A report without a new transition (nearly all of them) has no job of its own: its record joins
 * the tick's rounds batch (`addRounds`, ROUNDS_BATCH_JOB), one BullMQ job for up to
 * ROUNDS_BATCH_MAX_REPORTS reports. Its items hold probe rounds, policy snapshots and latest
 * figures, which alerting applies idempotently (a round not newer than the last one applied, a
 * snapshot whose seq was applied, are skipped), so a retried report may join another batch without
 * a jobId to deduplicate it.
 *
 * On a Redis Cluster "in Redis" means on a replica too (`replica-ack.ts`, one `WAIT` per bulk): the
 * report's ack depends on its job, and a job only its failed master held would be lost with it.
 */
export function createBullEventQueue(opts: BullEventQueueOptions): EventQueue {
  const queue = new Queue<DeviceEventsJob | RoundsBatchJob>(QUEUES.deviceEvents, {
    prefix: opts.prefix,
    connection: opts.connection,
    defaultJobOptions: {
      // Kept a day so that a retried upload inside that window is deduplicated by jobId, then trimmed.
      removeOnComplete: { age: 24 * 3600, count: 100_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
      attempts: 10,
      backoff: { type: 'exponential', delay: 1_000 },
    },
  });
  // Connection errors surface on add(); without a listener ioredis would print them unhandled.
  queue.on('error', () => {});
  const replicaAck =
    opts.connection instanceof Cluster
      ? clusterReplicaAck(opts.connection, opts.prefix, opts.replicaAckTimeoutMs ?? REPLICA_ACK_TIMEOUT_MS)
      : noReplicaAck;
  const addTick = batchPerTick<{ jobId: string; job: DeviceEventsJob }>(
    (items) =>
      replicaAck<unknown>(() =>
        items.length === 1
          ? queue.add('report', items[0]!.job, { jobId: items[0]!.jobId })
          : queue.addBulk(items.map(({ jobId, job }) => ({ name: 'report', data: job, opts: { jobId } }))),
      ),
    { isolate: (err) => !isConnectionError(err) },
  );
  const roundsTick = batchPerTick<DeviceEventsJob>(
    (reports) => {
      const batches: Array<{ name: string; data: RoundsBatchJob }> = [];
      for (let i = 0; i < reports.length; i += ROUNDS_BATCH_MAX_REPORTS)
        batches.push({
          name: ROUNDS_BATCH_JOB,
          data: { v: 1, reports: reports.slice(i, i + ROUNDS_BATCH_MAX_REPORTS) },
        });
      // No deduplication is needed (a batch applied twice changes nothing): keep only the last few.
      const opts = { removeOnComplete: { count: 1_000 } };
      return replicaAck<unknown>(() =>
        batches.length === 1
          ? queue.add(ROUNDS_BATCH_JOB, batches[0]!.data, opts)
          : queue.addBulk(batches.map((b) => ({ ...b, opts }))),
      );
    },
    { isolate: (err) => !isConnectionError(err) },
  );
  const added = async (tick: Promise<void>) => {
    try {
      await tick;
    } catch (err) {
      // Only connection trouble is worth a retry; a refused job (bad id, bad options) is our bug.
      if (isConnectionError(err))
        throw new ProblemError('redis_unavailable', `queueing device events failed: ${(err as Error).message}`);
      throw err;
    }
  };
  return {
    add: (jobId, job) => added(addTick({ jobId, job })),
    addRounds: (job) => added(roundsTick(job)),
    async close() {
      // BullMQ's close() waits for Redis to answer QUIT, forever when Redis is down: bound it, then force.
      let timer: NodeJS.Timeout | undefined;
      const closed = await Promise.race([
        queue.close().then(
          () => true,
          () => false,
        ),
        new Promise<boolean>((resolve) => (timer = setTimeout(resolve, 2_000, false))),
      ]);
      clearTimeout(timer);
      // Not awaited: BullMQ's disconnect waits for an 'end' event that a dead connection may never emit.
      if (!closed) void queue.disconnect().catch(() => undefined);
    },
  };
}

function isConnectionError(err: unknown): boolean {
  if (err instanceof ReplicaNotAckedError) return true;
  const msg = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string }).code ?? '';
  return (
    /Connection is closed|Stream isn't writeable|enableOfflineQueue|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|max retries|Reached the max retries|LOADING|READONLY/i.test(
      msg,
    ) || /^E[A-Z]+$/.test(code)
  );
}
