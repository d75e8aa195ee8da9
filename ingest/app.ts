import express from 'express';
import type { Router } from 'express';
import type { InfluxDB } from 'influx';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ProblemError } from '../contract/index.ts';
import { DEFAULT_RAW_RETENTION } from '../store/index.ts';
import type { RedisKeys } from '../store/index.ts';
import { createDeviceStore, createLastSeenWriter } from './device-store.ts';
import { loadTokenKey, rewriteTokenHash } from './device-token.ts';
import { createAuthLimiters, type AuthLimitSettings } from './auth-limits.ts';
import { createBodyBudget } from './body-budget.ts';
import { createIngestMetrics, type IngestMetrics } from './metrics.ts';
import { createPointWriter, influxLineSink, type PointWriter } from './hot-path/point-writer.ts';
import type { EventQueue } from './event-queue.ts';
import { problemHandler } from './http-problems.ts';
import { authMiddleware, createVerifiedTokens, type AuthDeps } from './auth.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { reportsHttpApi, type ReportsApiDeps } from './hot-path/device-reports.ts';
import { fastReportHandler, takesFastPath } from './hot-path/device-reports-fast.ts';
import { devicesHttpApi } from './routes/devices.ts';
import { eventsHttpApi } from './routes/events.ts';
import { opsHttpApi } from './routes/ops.ts';
import { accessHttpApi } from './routes/access.ts';
import { createApiTokenStore } from './api-tokens.ts';
import type { AuditLog } from './audit.ts';
import { createLiveMerger } from './hot-path/live-merge.ts';
import { createNameAdmission } from './name-admission.ts';
import { createDeviceGate } from './device-gate.ts';
import { influxDurationMs } from './core/name-budget.ts';

export interface IngestDeps {
  /** node-influx client whose `database` is the wanwatch database (schema made by ensureInfluxSchema). */
  influx: InfluxDB;
  /** ioredis client (give it `enableOfflineQueue: false` so a Redis outage fails fast). */
  redis: Redis;
  keys: RedisKeys;
  /** Producer of QUEUES.deviceEvents (createBullEventQueue). */
  queue: EventQueue;
  nowMs?: () => number;
  logger: Logger;
  adminToken: string;
  /** Read-only tokens (role viewer, GET only). */
  viewerTokens?: readonly string[];
  /** Where API writes are recorded (audit-queue.ts); absent = not recorded. */
  audit?: AuditLog;
  /** Other parts' routes, mounted under /api/v1 behind the admin token (JSON bodies parsed). */
  routers?: Router[];
  /** Other parts' pages (the web console), mounted at `/` with their own authentication. */
  pages?: Router[];
  /** Called after a device is registered, deleted or its multiwan changes (dashboard sync). */
  onDeviceChanged?: (deviceId: string) => void;
  /** Group-commit writer; made from `influx` when absent. Pass one to drain it at shutdown. */
  points?: PointWriter;
  metrics?: IngestMetrics;
  /** True once SIGTERM arrived: new requests get 503 shutting_down. */
  shuttingDown?: () => boolean;
  limits?: {
    /** Largest report body after decompression (default 5 MB). */
    maxReportBytes?: number;
    /** Bytes of request bodies in memory at once (default 64 MiB); over it, 503 server_busy. */
    maxBodyBytesInFlight?: number;
    /** Failed-authentication limits per source address and per device id (auth-limits.ts). */
    auth?: AuthLimitSettings;
    /** The `raw` retention policy's duration (WANWATCH_RAW_RETENTION, default 30d): older samples are refused. */
    rawRetention?: string;
    /** Fleet-wide guard on distinct tag values per tag key (default 90,000; InfluxDB refuses at 100,000). */
    fleetTagValuesMax?: number;
  };
}

/** The ingest HTTP app (no listen). */
export function createApp(deps: IngestDeps): express.Express {
  const nowMs = deps.nowMs ?? Date.now;
  const metrics = deps.metrics ?? createIngestMetrics();
  const store = createDeviceStore(deps.redis, deps.keys, { nowMs });
  const apiTokens = createApiTokenStore(deps.redis, deps.keys);
  const auth: AuthDeps = {
    adminToken: deps.adminToken,
    viewerTokens: deps.viewerTokens ?? [],
    apiTokens,
    ...(deps.audit ? { audit: deps.audit } : {}),
    store,
    tokenKey: () => loadTokenKey(deps.redis, deps.keys.tokenKey),
    limits: createAuthLimiters(deps.limits?.auth),
    nowMs,
    upgradeHash: async (id, oldHash, newHash) => {
      if (await rewriteTokenHash(deps.redis, deps.keys.device(id), oldHash, newHash))
        deps.logger.info({ deviceId: id }, 'device token hash upgraded to HMAC');
    },
    logger: deps.logger,
    verified: createVerifiedTokens(),
  };
  const points =
    deps.points ??
    createPointWriter(influxLineSink(deps.influx), {
      onBatch: (lines, ms, ok) => {
        metrics.batchLines.observe(lines);
        metrics.writeLatency.observe({ ok: String(ok) }, ms / 1000);
      },
    });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((req, res, next) => {
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      metrics.requests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    if (deps.shuttingDown?.()) {
      res.setHeader('Connection', 'close');
      throw new ProblemError('shutting_down');
    }
    next();
  });
  const names = createNameAdmission(deps.redis, deps.keys, {
    fleetTagValuesMax: deps.limits?.fleetTagValuesMax,
    logger: deps.logger,
  });
  metrics.setTagValueSource({ counts: () => names.fleetCounts(), limit: names.fleetLimit });
  // Reports first: they are nearly all the traffic, so they pass the fewest routing layers.
  const reportDeps: ReportsApiDeps = {
    auth,
    store,
    redis: deps.redis,
    keys: deps.keys,
    points,
    queue: deps.queue,
    nowMs,
    logger: deps.logger,
    metrics,
    maxReportBytes: deps.limits?.maxReportBytes ?? 5 * 1024 * 1024,
    bodies: createBodyBudget({ maxBytes: deps.limits?.maxBodyBytesInFlight }),
    touchLastSeen: createLastSeenWriter(deps.redis, deps.keys.lastSeen),
    mergeLive: createLiveMerger(deps.redis, deps.keys),
    rawRetentionMs: influxDurationMs(deps.limits?.rawRetention ?? DEFAULT_RAW_RETENTION),
    names,
    gate: createDeviceGate(),
  };
  app.use(reportsHttpApi(reportDeps));
  app.use(opsHttpApi({ influx: deps.influx, redis: deps.redis, metrics }));
  app.use('/api/v1', devicesHttpApi({ auth, store, nowMs, onDeviceChanged: deps.onDeviceChanged }));
  app.use('/api/v1', eventsHttpApi({ auth, store, influx: deps.influx, nowMs }));
  app.use('/api/v1', accessHttpApi({ auth, tokens: apiTokens, influx: deps.influx, nowMs }));
  if (deps.routers?.length) {
    app.use('/api/v1', authMiddleware(auth), express.json({ limit: '1mb' }), ...deps.routers);
  }
  if (deps.pages?.length) app.use(...deps.pages);
  app.use(() => {
    throw new ProblemError('not_found');
  });
  app.use(problemHandler(deps.logger, metrics));

  // The common report request skips express altogether (see reports-fast.ts); the rest, and every
  // report while shutting down, takes the router above.
  const fast = fastReportHandler(reportDeps);
  type Handle = (req: IncomingMessage, res: ServerResponse, next?: unknown) => void;
  const inner = app as unknown as { handle: Handle };
  const expressHandle = inner.handle.bind(app);
  inner.handle = (req, res, next) => {
    if (takesFastPath(req) && !deps.shuttingDown?.()) fast(req, res);
    else expressHandle(req, res, next);
  };
  return app;
}
