import type { RequestListener } from 'node:http';
import type { ConnectionOptions } from 'bullmq';
import type { Router } from 'express';
import type { InfluxDB } from 'influx';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Mailer, RedisKeys } from '../store/index.ts';
import type { BackendConfig } from './config.ts';

/**
 * The plugin contract: every backend part (ingest, alerting, reports, scheduled reports,
 * dashboards) plugs into the host (backend/host.ts) through this, wired in backend/plugins/.
 */
export type BackendRole = 'all' | 'api' | 'worker';

/** What every plugin gets: the settings and the shared clients, made once by the host. */
export interface BackendContext {
  config: BackendConfig;
  role: BackendRole;
  influx: InfluxDB;
  /** The request-serving client (no offline queue: fails fast while Redis is down). */
  redis: Redis;
  keys: RedisKeys;
  logger: Logger;
  /** The backend's one mailer (SMTP pool or outbox); closed by the host after every plugin stopped. */
  mailer: Mailer;
  /** A new worker connection to Redis (blocking commands); its user closes it. */
  workerRedis(): Redis;
  /** BullMQ connection options; `failFast` for producers on a request path. */
  bullConnection(opts?: { failFast?: boolean }): ConnectionOptions;
}

/** What the HTTP plugin needs from the host to build the one request handler. */
export interface HttpMount {
  /** Every plugin's routers, mounted under /api/v1 behind the admin token. */
  routers: Router[];
  /** Every plugin's pages, mounted at `/` with their own authentication (the web console). */
  pages: Router[];
  onDeviceChanged: (deviceId: string) => void;
  /** True once shutdown began: new requests get 503. */
  shuttingDown: () => boolean;
  /** Every other plugin's metrics, served with the HTTP plugin's at GET /metrics. */
  registries: Registry[];
}

/** A part plugged into the backend: routes for `api`, workers for `worker`. */
export interface BackendPlugin {
  name: string;
  /** Mounted under /api/v1 behind the admin token (role api/all). */
  routers?: Router[];
  /** Mounted at `/` before the not-found answer, with their own authentication (role api/all). */
  pages?: Router[];
  onDeviceChanged?: (deviceId: string) => void;
  /** The one plugin serving HTTP (ingest) builds the request handler with every plugin's routers. */
  http?: (mount: HttpMount) => RequestListener;
  /** Called once the HTTP server listens (role api/all), with the port it got (WANWATCH_PORT may be 0). */
  listening?: (info: { port: number }) => void;
  /** Starts background work (role worker/all). */
  start?: () => Promise<void>;
  /** Called when shutdown begins, before the HTTP server stops accepting. */
  stopping?: () => Promise<void>;
  /** Stops it; called after the HTTP server closed, in reverse plugin order. */
  stop?: () => Promise<void>;
  /** The plugin's own Prometheus metrics, served with the backend's at GET /metrics. */
  registry?: Registry;
}
export type PluginFactory = (ctx: BackendContext) => BackendPlugin | Promise<BackendPlugin>;
