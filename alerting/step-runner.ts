import { DelayedError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { isOutage } from './adapters/outage.ts';
import type { AlertingMetrics } from './metrics.ts';
import type { AlertingOptions } from './options.ts';

/**
 * Thrown by a step that wants another try soon without using up one of its job's attempts (work
 * suspected to be poison that has not yet reached poisonMaxAttempts).
 */
export class RetrySoonError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetrySoonError';
  }
}

/** Wait before the n-th retry of an outage (n ≥ 1): base × 2^(n-1), capped. */
export function outageDelayMs(n: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, n - 1), 30));
}

/**
 * Wraps a BullMQ processor so that an outage never exhausts a job: the job is moved back to
 * "delayed" (BullMQ's moveToDelayed, which does not count an attempt) with a bounded backoff and
 * runs again when the service is back, however long that takes. Every other error goes to BullMQ's
 * own attempts (and to quarantine after the last one).
 *
 * | error | what happens |
 * |---|---|
 * | outage (InfluxDB, Redis, device lock) | delayed by outageDelayMs(starts), attempt not counted, warned |
 * | RetrySoonError | delayed by outageRetryBaseMs, attempt not counted |
 * | anything else | rethrown: BullMQ retries or fails the job |
 */
export function withOutageRetries<T>(
  step: string,
  processor: (job: Job, token?: string) => Promise<T>,
  deps: {
    options: Pick<AlertingOptions, 'outageRetryBaseMs' | 'outageRetryMaxDelayMs'>;
    metrics: AlertingMetrics;
    logger: Logger;
  },
): (job: Job, token?: string) => Promise<T> {
  return async (job, token) => {
    try {
      return await processor(job, token);
    } catch (err) {
      const outage = isOutage(err);
      if (!outage && !(err instanceof RetrySoonError)) throw err;
      const { outageRetryBaseMs: base, outageRetryMaxDelayMs: max } = deps.options;
      const delayMs = outage ? outageDelayMs(Math.max(1, job.attemptsStarted), base, max) : base;
      deps.metrics.outageRetries.inc({ step });
      deps.logger.warn(
        { step, jobId: job.id, starts: job.attemptsStarted, delayMs, err: (err as Error).message },
        outage ? 'alerting step waits for a service to come back' : 'alerting step failed; trying again soon',
      );
      await job.moveToDelayed(Date.now() + delayMs, token);
      throw new DelayedError();
    }
  };
}
