import { ProblemError } from '../contract/index.ts';

/**
 * Redis errors are classified here, once: every failure to talk to Redis becomes
 * `redis_unavailable` (503 in the API, a retried job in a worker).
 */
export async function redisOp<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ProblemError) throw err;
    // The client's own error stays the cause, for callers that tell outages from faults (alerting).
    throw Object.assign(new ProblemError('redis_unavailable', `${what}: ${(err as Error).message}`), { cause: err });
  }
}
