import { LockTimeoutError } from './store.ts';

/**
 * Failures of the services alerting depends on, classified once where they are called: an
 * outage (InfluxDB or Redis unreachable, overloaded, restarting) is retried for as long as it
 * lasts; anything else is a fault of the job (a bug, data that cannot be stored) and ends in
 * quarantine after a bounded number of attempts.
 */
export class OutageError extends Error {
  readonly service: 'influxdb' | 'redis' | 'lock';
  constructor(service: OutageError['service'], message: string, options?: { cause?: unknown }) {
    super(`${service}: ${message}`, options);
    this.name = 'OutageError';
    this.service = service;
  }
}

/**
 * node-influx errors.
 *
 * | error | outage |
 * |---|---|
 * | `RequestError` (a 3xx/4xx answer: bad point, unknown database) | no |
 * | `ServiceNotAvailableError` (5xx, timeout, "No host available") | yes |
 * | network error (ECONNREFUSED, ECONNRESET, …) or anything else | yes |
 */
export function classifyInfluxError(err: unknown): Error {
  if (err instanceof OutageError) return err;
  const e = err as { name?: string; constructor?: { name?: string }; message?: string };
  if (e?.constructor?.name === 'RequestError') return err as Error;
  return new OutageError('influxdb', e?.message ?? String(err), { cause: err });
}

/** Redis replies that mean "not now" rather than "never". */
const TRANSIENT_REPLIES = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|OOM|NOSCRIPT)\b/;

/**
 * ioredis / BullMQ errors.
 *
 * | error | outage |
 * |---|---|
 * | `ReplyError` LOADING, BUSY, TRYAGAIN, READONLY, OOM, … | yes |
 * | other `ReplyError` (WRONGTYPE, a script error) | no |
 * | connection closed / refused / reset, MaxRetriesPerRequestError, command timeout | yes |
 * | anything else | no |
 */
export function classifyRedisError(err: unknown): Error {
  if (err instanceof OutageError) return err;
  const e = err as { name?: string; code?: string; message?: string; cause?: unknown };
  // The shared registry (store/registry.ts) wraps the client's error as redis_unavailable: judge the client's.
  if (e?.name === 'ProblemError' && e.cause !== undefined) return classifyRedisError(e.cause);
  const msg = e?.message ?? String(err);
  if (e?.name === 'ReplyError') return TRANSIENT_REPLIES.test(msg) ? new OutageError('redis', msg) : (err as Error);
  if (
    e?.name === 'MaxRetriesPerRequestError' ||
    /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTCONN)$/.test(e?.code ?? '') ||
    /Connection is closed|Stream isn't writeable|Command timed out|connect E[A-Z]+|Connection (was )?(lost|reset)/i.test(
      msg,
    )
  )
    return new OutageError('redis', msg, { cause: err });
  return err as Error;
}

/** Whether a failed step should wait for its service to come back (true) or count towards quarantine. */
export function isOutage(err: unknown): boolean {
  if (err instanceof OutageError) return true;
  if (err instanceof LockTimeoutError) return true;
  // SMTP failures are classified by the mailer and follow the delivery plan, not this rule.
  if ((err as { name?: string })?.name === 'MailError') return false;
  return classifyRedisError(err) instanceof OutageError;
}

/** Runs a Redis call (ioredis, BullMQ) and classifies what it throws. */
export async function viaRedis<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw classifyRedisError(err);
  }
}
