import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Router } from 'express';
import { InfluxDB } from 'influx';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import type { Registry } from 'prom-client';
import { parseInfluxUrl, redactUrl, redisKeys } from '../contract/index.ts';
import type { RedisKeys } from '../contract/index.ts';
import { createApp } from './app.ts';
import { ensureInfluxSchema } from './influx-setup.ts';
import { createBullEventQueue } from './event-queue.ts';
import { createIngestMetrics } from './metrics.ts';
import { createPointWriter, influxLineSink } from './point-writer.ts';
import { startReceivingHeartbeat, type ReceivingHeartbeat } from './receiving-heartbeat.ts';

export type BackendRole = 'all' | 'api' | 'worker';

/** The backend's settings (read and validated from WANWATCH_* by bin/backend-config.ts). */
export interface BackendConfig {
  influxUrl: string;
  redisUrl: string;
  redisPrefix: string;
  smtpUrl?: string;
  mailFrom: string;
  alertEmails: string[];
  adminToken: string;
  grafanaUrl?: string;
  grafanaToken?: string;
  port: number;
  dataDir: string;
  rawRetention: string;
  logLevel: string;
  /** HTTP limits (defaults in HTTP_LIMIT_DEFAULTS; documented in docs/deploy.md). */
  http?: Partial<HttpLimits>;
}

export interface HttpLimits {
  /** The request line and headers must arrive within this time. */
  headersTimeoutMs: number;
  /** The whole request (headers and body) must arrive within this time. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this time. */
  keepAliveTimeoutMs: number;
  /** Bytes of request bodies in memory at once; beyond it, 503 server_busy with Retry-After. */
  maxBodyBytesInFlight: number;
}

export const HTTP_LIMIT_DEFAULTS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  // Longer than the usual load balancer idle timeout (60 s), so the balancer closes first.
  keepAliveTimeoutMs: 65_000,
  maxBodyBytesInFlight: 64 * 1024 * 1024,
};

/** What every plugin gets: the shared clients, made once. */
export interface BackendContext {
  config: BackendConfig;
  role: BackendRole;
  influx: InfluxDB;
  redis: Redis;
  keys: RedisKeys;
  logger: Logger;
}

/** A part plugged into the backend (alerting, reports, dashboards): routes for `api`, workers for `worker`. */
export interface BackendPlugin {
  name: string;
  /** Mounted under /api/v1 behind the admin token (role api/all). */
  routers?: Router[];
  onDeviceChanged?: (deviceId: string) => void;
  /** Starts background work (role worker/all). */
  start?: () => Promise<void>;
  /** Stops it; called on shutdown after the HTTP server stopped accepting. */
  stop?: () => Promise<void>;
  /** The plugin's own Prometheus metrics, served with the backend's at GET /metrics. */
  registry?: Registry;
}
export type PluginFactory = (ctx: BackendContext) => BackendPlugin | Promise<BackendPlugin>;

export interface RunningBackend {
  ctx: BackendContext;
  /** Listening port (role api/all), else undefined. */
  port?: number;
  server?: Server;
  /** Graceful stop: no new requests, in-flight ones finish, writes drained, workers stopped, clients closed. */
  close(): Promise<void>;
}

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { svc: 'wanwatch' },
    // Tokens never reach a log line, wherever they sit.
    redact: {
      paths: [
        'authorization',
        '*.authorization',
        'req.headers.authorization',
        'headers.authorization',
        'token',
        '*.token',
        'adminToken',
        '*.adminToken',
        'password',
        '*.password',
      ],
      censor: '[redacted]',
    },
  });
}

export async function startBackend(
  config: BackendConfig,
  opts: { role?: BackendRole; plugins?: PluginFactory[]; logger?: Logger; host?: string } = {},
): Promise<RunningBackend> {
  const role = opts.role ?? 'all';
  const http: HttpLimits = { ...HTTP_LIMIT_DEFAULTS, ...config.http };
  const logger = opts.logger ?? createLogger(config.logLevel);
  const o = parseInfluxUrl(config.influxUrl);
  const influx = new InfluxDB({
    host: o.host,
    port: o.port,
    protocol: o.protocol,
    database: o.database,
    ...(o.username ? { username: o.username, password: o.password ?? '' } : {}),
    pool: { maxRetries: 1, requestTimeout: 10_000 },
  });
  try {
    await ensureInfluxSchema(influx, { rawRetention: config.rawRetention });
  } catch (err) {
    throw new Error(`InfluxDB at ${redactUrl(config.influxUrl)} is not usable: ${(err as Error).message}`, {
      cause: err,
    });
  }
  // No offline queue: while Redis is down, requests fail fast with 503 instead of hanging.
  // Auto-pipelining: commands of concurrent requests issued in one tick go out in one write (fewer syscalls).
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
  });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new Error(`Redis at ${redactUrl(config.redisUrl)} is not reachable: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const keys = redisKeys(config.redisPrefix);
  const ctx: BackendContext = { config, role, influx, redis, keys, logger };
  const plugins: BackendPlugin[] = [];
  try {
    for (const f of opts.plugins ?? []) plugins.push(await f(ctx));
  } catch (err) {
    // Nothing may keep the process alive after a failed start (a plugin refusing its settings).
    redis.disconnect();
    throw err;
  }

  let shuttingDown = false;
  let server: Server | undefined;
  let heartbeat: ReceivingHeartbeat | undefined;
  let port: number | undefined;
  const metrics = createIngestMetrics({ defaultMetrics: true });
  for (const p of plugins) {
    for (const { name } of p.registry?.getMetricsAsArray() ?? []) {
      const m = p.registry!.getSingleMetric(name);
      if (m) metrics.registry.registerMetric(m);
    }
  }
  const points = createPointWriter(influxLineSink(influx), {
    onBatch: (lines, ms, ok) => {
      metrics.batchLines.observe(lines);
      metrics.writeLatency.observe({ ok: String(ok) }, ms / 1000);
    },
  });
  const queue = createBullEventQueue({ redisUrl: config.redisUrl, prefix: keys.bull });
  /** Undoes a start that failed half-way (port taken, a worker not starting), then rethrows. */
  const abandon = async (err: unknown): Promise<never> => {
    server?.closeAllConnections();
    server?.close();
    for (const p of [...plugins].reverse()) await p.stop?.().catch(() => undefined);
    await queue.close().catch(() => undefined);
    redis.disconnect();
    throw err;
  };
  if (role !== 'worker') {
    const app = createApp({
      influx,
      redis,
      keys,
      queue,
      points,
      metrics,
      logger,
      adminToken: config.adminToken,
      routers: plugins.flatMap((p) => p.routers ?? []),
      onDeviceChanged: (id) => {
        for (const p of plugins) p.onDeviceChanged?.(id);
      },
      shuttingDown: () => shuttingDown,
      limits: { maxBodyBytesInFlight: http.maxBodyBytesInFlight, rawRetention: config.rawRetention },
    });
    // The timeouts are checked every second (Node's default is every 30 s, which lets a slow
    // client outstay them by that much).
    server = createServer({ connectionsCheckingInterval: 1_000 }, app);
    server.headersTimeout = http.headersTimeoutMs;
    server.requestTimeout = http.requestTimeoutMs;
    server.keepAliveTimeout = http.keepAliveTimeoutMs;
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(config.port, opts.host ?? '0.0.0.0', () => resolve());
    }).catch(abandon);
    port = (server.address() as AddressInfo).port;
    heartbeat = startReceivingHeartbeat({
      redis,
      influx,
      redisPrefix: config.redisPrefix,
      logger,
      canReceive: () => !shuttingDown,
    });
    logger.info(
      { port, role, influx: redactUrl(config.influxUrl), redis: redactUrl(config.redisUrl) },
      'wanwatch API listening',
    );
  }
  if (role !== 'api') {
    for (const p of plugins) await Promise.resolve(p.start?.()).catch(abandon);
    logger.info({ plugins: plugins.map((p) => p.name) }, 'workers started');
  }

  let closing: Promise<void> | undefined;
  return {
    ctx,
    port,
    server,
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        await heartbeat?.stop();
        if (server) {
          const srv = server;
          const closed = new Promise<void>((resolve) => srv.close(() => resolve()));
          // Keep-alive connections turn idle as their in-flight requests finish: close them as they do,
          // and give stragglers at most 10 s.
          const sweep = setInterval(() => srv.closeIdleConnections(), 50);
          const hard = setTimeout(() => srv.closeAllConnections(), 10_000);
          srv.closeIdleConnections();
          await closed;
          clearInterval(sweep);
          clearTimeout(hard);
        }
        await points.drain();
        for (const p of [...plugins].reverse()) {
          try {
            await p.stop?.();
          } catch (err) {
            logger.error({ err, plugin: p.name }, 'plugin stop failed');
          }
        }
        await queue.close();
        await redis.quit().catch(() => redis.disconnect());
        logger.info('wanwatch stopped');
      })();
      return closing;
    },
  };
}
