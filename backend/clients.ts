import type { ConnectionOptions } from 'bullmq';
import { InfluxDB } from 'influx';
import { Redis, type RedisOptions } from 'ioredis';
import { parseInfluxUrl, redactUrl, type InfluxUrlOptions } from '../store/index.ts';

/**
 * The one place the backend builds its InfluxDB, Redis and BullMQ connections from the
 * WANWATCH_* URLs, so user, password, database and Redis db number are kept alike everywhere.
 */
export { parseInfluxUrl, redactUrl, type InfluxUrlOptions };

/** node-influx client bound to the URL's database. `requestTimeoutMs` bounds every query and write. */
export function influxClient(url: string, opts: { maxRetries?: number; requestTimeoutMs?: number } = {}): InfluxDB {
  const o = parseInfluxUrl(url);
  return new InfluxDB({
    host: o.host,
    port: o.port,
    protocol: o.protocol,
    database: o.database,
    ...(o.username ? { username: o.username, password: o.password ?? '' } : {}),
    pool: { maxRetries: opts.maxRetries ?? 1, requestTimeout: opts.requestTimeoutMs ?? 10_000 },
  });
}

/**
 * A request-serving Redis client (API, CLI): no offline queue, one retry, so while Redis is down
 * a request fails fast (503, or a CLI error naming Redis) instead of hanging. Not connected:
 * call `connectRedis`.
 */
export function apiRedis(url: string, opts: Pick<RedisOptions, 'enableAutoPipelining'> = {}): Redis {
  return new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, ...opts });
}

/** A worker's Redis client (BullMQ workers block): commands wait for a reconnect instead of failing. */
export function workerRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null });
}

/**
 * Connects a lazy client; on failure disconnects it (so no reconnect loop keeps the process
 * alive) and throws an error that names Redis and its redacted URL.
 */
export async function connectRedis(redis: Redis, url: string): Promise<void> {
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new Error(`Redis at ${redactUrl(url)} is not reachable: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * BullMQ connection options from a Redis URL (password, user and db kept). `failFast` (producers
 * on a request path): no offline queue, one retry; otherwise a worker connection.
 */
export function bullConnection(url: string, opts: { failFast?: boolean } = {}): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 6379,
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) || 0 } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    ...(opts.failFast ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 } : { maxRetriesPerRequest: null }),
  };
}
