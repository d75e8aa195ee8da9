import type { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';

/**
 * What the supervisor saw of one worker and its queue at one check.
 * `dueJobs`: jobs waiting, plus delayed jobs whose time has come; `inFlight`: jobs the worker runs.
 */
export interface WorkerObservation {
  nowMs: number;
  dueJobs: number;
  inFlight: number;
  /** When the worker last took a job (or was created). */
  lastTakenMs: number;
  /** Since when every check has found jobs due (this check's time when the first). */
  dueSinceMs: number;
}

/**
 * Whether a worker is stuck: jobs have been due for `stuckAfterMs`, and in that time it has run
 * none and taken none (`idle` = now - max(lastTakenMs, dueSinceMs)).
 * After a Redis Cluster master failover a BullMQ worker that was idle can stay blocked on its old
 * connection for ever while its queue fills (docs/deploy.md, "Redis Cluster"); alerts would then
 * wait until someone restarts the process. A busy worker (jobs in flight) is never stuck: its
 * queue waits for free slots, and restarting it would make its running jobs stall and run twice.
 *
 * | dueJobs | inFlight | idle           | result |
 * |---------|----------|----------------|--------|
 * | 0       | any      | any            | ok     |
 * | > 0     | > 0      | any            | ok     |
 * | > 0     | 0        | < stuckAfterMs | ok     |
 * | > 0     | 0        | ≥ stuckAfterMs | stuck  |
 */
export function workerVerdict(o: WorkerObservation, stuckAfterMs: number): 'ok' | 'stuck' {
  if (o.dueJobs === 0 || o.inFlight > 0) return 'ok';
  return o.nowMs - Math.max(o.lastTakenMs, o.dueSinceMs) >= stuckAfterMs ? 'stuck' : 'ok';
}

export interface SupervisedWorker {
  waitUntilReady(): Promise<unknown>;
  close(): Promise<void>;
}

export interface SuperviseOptions {
  name: string;
  queue: Pick<Queue, 'getJobCounts' | 'getDelayed'>;
  /** Builds the worker with its event handlers; called again to replace a stuck one. */
  create: () => Worker;
  logger: Logger;
  /** Off on a single Redis (the failover that strands a worker needs a cluster). */
  enabled: boolean;
  checkEveryMs?: number;
  stuckAfterMs?: number;
  nowMs?: () => number;
}

/**
 * A BullMQ worker that is replaced by a fresh one (new blocking connection) when `workerVerdict`
 * calls it stuck. Checks are bounded (one Redis read each) and a failed check changes nothing.
 */
export function superviseWorker(o: SuperviseOptions): SupervisedWorker {
  const nowMs = o.nowMs ?? Date.now;
  const stuckAfterMs = o.stuckAfterMs ?? 15_000;
  let closing = false;
  let inFlight = 0;
  let lastTakenMs = nowMs();
  let dueSinceMs: number | undefined;
  const start = (): Worker => {
    const w = o.create();
    w.on('active', () => {
      inFlight++;
      lastTakenMs = nowMs();
    });
    const done = () => (inFlight = Math.max(0, inFlight - 1));
    w.on('completed', done);
    w.on('failed', done);
    return w;
  };
  let current = start();
  const check = async () => {
    if (closing) return;
    const counts = await o.queue.getJobCounts('wait', 'prioritized');
    const [first] = await o.queue.getDelayed(0, 0);
    const delayedDue = first && first.timestamp + (first.delay ?? 0) <= nowMs() ? 1 : 0;
    const dueJobs = (counts.wait ?? 0) + (counts.prioritized ?? 0) + delayedDue;
    dueSinceMs = dueJobs === 0 ? undefined : (dueSinceMs ?? nowMs());
    const seen = { nowMs: nowMs(), dueJobs, inFlight, lastTakenMs, dueSinceMs: dueSinceMs ?? nowMs() };
    if (workerVerdict(seen, stuckAfterMs) !== 'stuck' || closing) return;
    o.logger.warn({ worker: o.name, dueJobs, idleMs: nowMs() - lastTakenMs }, 'worker takes no jobs: replacing it');
    const stuck = current;
    inFlight = 0;
    lastTakenMs = nowMs();
    dueSinceMs = undefined;
    current = start();
    // The stuck worker's close can hang on its dead connection: not awaited beyond a bound.
    await Promise.race([stuck.close(true).catch(() => undefined), new Promise((r) => setTimeout(r, 5_000).unref())]);
  };
  let running = false;
  const timer = o.enabled
    ? setInterval(() => {
        if (running) return;
        running = true;
        check()
          .catch(() => undefined) // Redis unreachable: nothing can be judged; the next check tries again.
          .finally(() => (running = false));
      }, o.checkEveryMs ?? 5_000)
    : undefined;
  timer?.unref();
  return {
    waitUntilReady: () => current.waitUntilReady(),
    async close() {
      closing = true;
      if (timer) clearInterval(timer);
      await current.close();
    },
  };
}
