import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { redisKeys, upgradeKeyLayout } from '../store/index.ts';
import { ensureInfluxSchema } from '../store/influx-ensure.ts';
import { checkExternalSchema, externalSchemaMessage } from '../store/influx-external.ts';
import {
  apiRedis,
  bullConnection,
  closeBullConnection,
  connectRedis,
  influxClient,
  redactUrl,
  workerRedis,
} from './clients.ts';
import { HTTP_LIMIT_DEFAULTS, type BackendConfig, type HttpLimits } from './config.ts';
import { createLogger } from './logger.ts';
import { createMailer } from './mail.ts';
import type { BackendContext, BackendPlugin, BackendRole, PluginFactory } from './plugin.ts';

export { createLogger, HTTP_LIMIT_DEFAULTS };
export type { BackendConfig, HttpLimits, BackendContext, BackendPlugin, BackendRole, PluginFactory };

export interface RunningBackend {
  ctx: BackendContext;
  /** Listening port (role api/all), else undefined. */
  port?: number;
  server?: Server;
  /** Graceful stop: no new requests, in-flight ones finish, writes drained, workers stopped, clients closed. */
  close(): Promise<void>;
}

/** Where emails go without WANWATCH_SMTP_URL. */
export const outboxDirOf = (config: BackendConfig) => join(resolve(config.dataDir), 'outbox');

/**
 * The backend host: makes the shared clients once (InfluxDB with its schema, Redis, the mailer),
 * starts the plugins for the role (`api`: HTTP server with every plugin's routes; `worker`:
 * background work; `all`: both) and stops everything gracefully. The HTTP handler comes from the
 * plugin that serves HTTP (ingest).
 */
export async function startBackend(
  config: BackendConfig,
  opts: { role?: BackendRole; plugins?: PluginFactory[]; logger?: Logger; host?: string } = {},
): Promise<RunningBackend> {
  const role = opts.role ?? 'all';
  const logger = opts.logger ?? createLogger(config.logLevel);
  const influx = influxClient(config.influxUrl);
  try {
    if (config.influxSchema === 'external') await checkExternal(config.influxUrl, logger);
    else await ensureInfluxSchema(influx, { rawRetention: config.rawRetention });
  } catch (err) {
    throw new Error(`InfluxDB at ${redactUrl(config.influxUrl)} is not usable: ${(err as Error).message}`, {
      cause: err,
    });
  }
  // Auto-pipelining: commands of concurrent requests issued in one tick go out in one write (fewer syscalls).
  const redis = apiRedis(config.redisUrl, { enableAutoPipelining: true });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  await connectRedis(redis, config.redisUrl);
  // Keys written by an older wanwatch get their hash-tagged names before anything reads them.
  await upgradeKeyLayout(redis, config.redisPrefix, { log: (msg, fields) => logger.info(fields ?? {}, msg) });
  // BullMQ does not close the client instances a Redis Cluster needs: closed with the host.
  const bullClients: Array<ReturnType<typeof bullConnection>> = [];
  const mailer = createMailer({
    ...(config.smtpUrl ? { smtpUrl: config.smtpUrl } : { outboxDir: outboxDirOf(config) }),
    from: config.mailFrom,
  });
  const ctx: BackendContext = {
    config,
    role,
    influx,
    redis,
    keys: redisKeys(config.redisPrefix),
    logger,
    mailer,
    workerRedis: () => workerRedis(config.redisUrl),
    bullConnection: (o) => {
      const c = bullConnection(config.redisUrl, o);
      bullClients.push(c);
      return c;
    },
  };
  const plugins: BackendPlugin[] = [];
  /** Undoes a start that failed half-way (a plugin refusing its settings, port taken), then rethrows. */
  const abandon = async (err: unknown, server?: Server): Promise<never> => {
    server?.closeAllConnections();
    server?.close();
    for (const p of [...plugins].reverse()) await p.stop?.().catch(() => undefined);
    mailer.close();
    redis.disconnect();
    throw err;
  };
  try {
    for (const f of opts.plugins ?? []) plugins.push(await f(ctx));
  } catch (err) {
    await abandon(err);
  }

  let shuttingDown = false;
  let server: Server | undefined;
  let port: number | undefined;
  if (role !== 'worker') {
    server = await listen(config, plugins, () => shuttingDown, opts.host).catch((err: unknown) => abandon(err));
    port = (server.address() as AddressInfo).port;
    for (const p of plugins) p.listening?.({ port });
    logger.info(
      { port, role, influx: redactUrl(config.influxUrl), redis: redactUrl(config.redisUrl) },
      'wanwatch API listening',
    );
  }
  if (role !== 'api') {
    for (const p of plugins) await Promise.resolve(p.start?.()).catch((err: unknown) => abandon(err, server));
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
        for (const p of plugins) await p.stopping?.();
        if (server) await closeGracefully(server);
        for (const p of [...plugins].reverse()) {
          try {
            await p.stop?.();
          } catch (err) {
            logger.error({ err, plugin: p.name }, 'plugin stop failed');
          }
        }
        mailer.close();
        for (const c of bullClients) closeBullConnection(c);
        await redis.quit().catch(() => redis.disconnect());
        logger.info('wanwatch stopped');
      })();
      return closing;
    },
  };
}

/** External schema: stops start-up naming what is missing; says when the 1-minute rollups are not made. */
async function checkExternal(influxUrl: string, logger: Logger): Promise<void> {
  const report = await checkExternalSchema(influxUrl);
  if (report.problems.length > 0) throw new Error(externalSchemaMessage(influxUrl, report));
  if (report.rollups !== 'continuous-queries') {
    logger.warn(
      { rollups: report.rollups },
      'InfluxDB schema external: the 1-minute rollup continuous queries are not there (or not visible); dashboards read raw rounds, aggregated at query time, within the raw retention',
    );
  } else logger.info('InfluxDB schema external: database, retention policies and continuous queries found');
}

/** The HTTP server with the HTTP plugin's handler, every plugin's routes mounted; resolves once listening. */
async function listen(
  config: BackendConfig,
  plugins: BackendPlugin[],
  shuttingDown: () => boolean,
  host = '0.0.0.0',
): Promise<Server> {
  const httpPlugin = plugins.find((p) => p.http);
  if (!httpPlugin) throw new Error('no plugin serves HTTP (add the ingest plugin, or run role worker)');
  const handler = httpPlugin.http!({
    routers: plugins.flatMap((p) => p.routers ?? []),
    pages: plugins.flatMap((p) => p.pages ?? []),
    onDeviceChanged: (id) => {
      for (const p of plugins) p.onDeviceChanged?.(id);
    },
    shuttingDown,
    registries: plugins.filter((p) => p !== httpPlugin && p.registry).map((p) => p.registry!),
  });
  const http: HttpLimits = { ...HTTP_LIMIT_DEFAULTS, ...config.http };
  // The timeouts are checked every second (Node's default is every 30 s, which lets a slow
  // client outstay them by that much).
  const server = createServer({ connectionsCheckingInterval: 1_000 }, handler);
  server.headersTimeout = http.headersTimeoutMs;
  server.requestTimeout = http.requestTimeoutMs;
  server.keepAliveTimeout = http.keepAliveTimeoutMs;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(config.port, host, () => resolveListen());
  }).catch((err: unknown) => {
    server.close();
    throw err;
  });
  return server;
}

/**
 * Stops accepting; keep-alive connections turn idle as their in-flight requests finish: they are
 * closed as they do, and stragglers get at most 10 s.
 */
async function closeGracefully(srv: Server): Promise<void> {
  const closed = new Promise<void>((resolveClose) => srv.close(() => resolveClose()));
  const sweep = setInterval(() => srv.closeIdleConnections(), 50);
  const hard = setTimeout(() => srv.closeAllConnections(), 10_000);
  srv.closeIdleConnections();
  await closed;
  clearInterval(sweep);
  clearTimeout(hard);
}
