import { Worker, type Job, type Queue, type WorkerOptions } from 'bullmq';
import type { Logger } from 'pino';
import { QUEUES, superviseWorker, type SupervisedWorker } from '../store/index.ts';
import { retryDelayMs } from './core/retry.ts';
import type { AlertingOptions } from './options.ts';
import { RECEIVERS_QUEUE } from './receivers/index.ts';

type Processor = (job: Job, token?: string) => Promise<unknown>;
type Role = 'events' | 'timers' | 'notify' | 'receivers';

export interface AlertingWorkersDeps {
  queues: Record<Role, Queue>;
  processors: Record<Role, Processor>;
  workerOpts: Omit<WorkerOptions, 'concurrency' | 'settings'>;
  options: AlertingOptions;
  logger: Logger;
  /** On a Redis Cluster, a worker stranded by a master failover is replaced (store/worker-supervisor.ts). */
  isCluster: boolean;
}

/** Alerting's four BullMQ workers, each supervised, with their error logging. */
export function superviseAlertingWorkers(d: AlertingWorkersDeps): SupervisedWorker[] {
  const { options: o, logger: log } = d;
  const settings = {
    backoffStrategy: (attempts: number) => retryDelayMs(attempts, o.retryBaseDelayMs, o.retryMaxDelayMs),
  };
  const specs: Array<[Role, string, WorkerOptions]> = [
    ['events', QUEUES.deviceEvents, { ...d.workerOpts, concurrency: o.eventsConcurrency }],
    ['timers', QUEUES.alertTimers, { ...d.workerOpts, concurrency: o.eventsConcurrency }],
    ['notify', QUEUES.notify, { ...d.workerOpts, concurrency: o.notifyConcurrency, settings }],
    ['receivers', RECEIVERS_QUEUE, { ...d.workerOpts, concurrency: o.notifyConcurrency, settings }],
  ];
  return specs.map(([name, queueName, opts]) => {
    const create = () => {
      const w = new Worker(queueName, d.processors[name], opts);
      w.on('error', (err) => log.error({ worker: name, err: err.message }, 'worker error'));
      w.on('failed', (job, err) => {
        if (name === 'events' || name === 'timers')
          log.error({ worker: name, jobId: job?.id, attemptsMade: job?.attemptsMade, err: err.message }, 'job failed');
      });
      return w;
    };
    return superviseWorker({ name, queue: d.queues[name], create, logger: log, enabled: d.isCluster });
  });
}
