import type { ConnectionOptions } from 'bullmq';
import { InfluxDB } from 'influx';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import {
  parseInfluxUrl,
  parseRedisUrl,
  redactRedisUrl,
  redactUrl,
  type InfluxUrlOptions,
  type RedisTarget,
} from '../store/index.ts';

/**
 * The one place the backend builds its InfluxDB, Redis and BullMQ connections from the
 * WANWATCH_* URLs, so user, password, database and Redis db number are kept alike everywhere.
 * A Redis URL with several seed nodes (store/redis-url.ts) gives Redis Cluster clients; they are
 * typed as `Redis` because the product uses only commands both share (keys follow the slot rules
 * of store/redis-keys.ts).
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

/** Whether the URL names a Redis Cluster (several seed nodes, or `?cluster=yes`). */
export function isRedisClusterUrl(url: string): boolean {
  return parseRedisUrl(url).cluster;
}

function nodeOptions(t: RedisTarget): RedisOptions {
  return {
    ...(t.username ? { username: t.username } : {}),
    ...(t.password ? { password: t.password } : {}),
    ...(t.tls ? { tls: {} } : {}),
  };
}

/**
 * A client for the URL: `Redis`, or a `Cluster` that follows slot moves and failovers.
 * `top` holds the options that a Cluster takes at its own level (offline queue, lazy connect,
 * auto-pipelining); `perRequest` the per-node retry policy.
 */
function buildClient(url: string, top: Partial<RedisOptions & ClusterOptions>, perRequest: RedisOptions): Redis {
  const t = parseRedisUrl(url);
  if (!t.cluster) {
    const n = t.nodes[0]!;
    return new Redis({ host: n.host, port: n.port, db: t.db, ...nodeOptions(t), ...perRequest, ...top });
  }
  // No auto-pipelining on a cluster: ioredis groups a tick's commands by the slot map of the moment,
  // and after a failover (a new slot map) such a group fails with "All keys in the pipeline should
  // belong to the same slots allocation group" until the process restarts (seen in
  // e2e/many-processes.test.ts). Each command then goes out on its own.
  const { enableAutoPipelining: _unused, ...clusterTop } = top;
  const cluster = new Cluster(t.nodes, {
    ...clusterTop,
    redisOptions: { ...nodeOptions(t), ...perRequest },
    // A failover takes cluster-node-timeout plus an election (seconds): a request-serving client
    // gives up after ~3 s (503; the reporter retries), a worker's rides it out (~20 s). The slot map
    // is also refreshed every few seconds, so a client that missed the change heals by itself.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    maxRedirections: perRequest.maxRetriesPerRequest === null ? 100 : 16,
    slotsRefreshTimeout: 2_000,
    slotsRefreshInterval: 2_000,
  });
  return cluster as unknown as Redis;
}

/**
 * A request-serving Redis client (API, CLI): no offline queue, one retry, so while Redis is down
 * a request fails fast (503, or a CLI error naming Redis) instead of hanging. Not connected:
 * call `connectRedis`.
 */
export function apiRedis(url: string, opts: Pick<RedisOptions, 'enableAutoPipelining'> = {}): Redis {
  return buildClient(url, { lazyConnect: true, enableOfflineQueue: false, ...opts }, { maxRetriesPerRequest: 1 });
}

/** A worker's Redis client (BullMQ workers block): commands wait for a reconnect instead of failing. */
export function workerRedis(url: string): Redis {
  return buildClient(url, {}, { maxRetriesPerRequest: null });
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
    throw new Error(`Redis at ${redactRedisUrl(url)} is not reachable: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * BullMQ connection options from a Redis URL (password, user and db kept). `failFast` (producers
 * on a request path): no offline queue, one retry; otherwise a worker connection. On a Redis
 * Cluster BullMQ needs a client instance: the caller disconnects it when done (BullMQ does not
 * close a connection it was given; `closeBullConnection`).
 */
export function bullConnection(url: string, opts: { failFast?: boolean } = {}): ConnectionOptions {
  const t = parseRedisUrl(url);
  const retry = opts.failFast ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 } : { maxRetriesPerRequest: null };
  if (t.cluster) {
    const { enableOfflineQueue, ...perRequest } = retry as {
      enableOfflineQueue?: boolean;
      maxRetriesPerRequest: number | null;
    };
    return buildClient(url, enableOfflineQueue === undefined ? {} : { enableOfflineQueue }, perRequest);
  }
  const n = t.nodes[0]!;
  const options: Record<string, unknown> = { host: n.host, port: n.port, ...nodeOptions(t), ...retry };
  if (t.db) options.db = t.db;
  return options as ConnectionOptions;
}

/** Disconnects a connection `bullConnection` made as a client instance (Redis Cluster); no-op for options. */
export function closeBullConnection(c: ConnectionOptions): void {
  if (c instanceof Cluster || c instanceof Redis) c.disconnect();
}
