import { createApp } from '../../ingest/app.ts';
import { createBullEventQueue } from '../../ingest/event-queue.ts';
import { createPointWriter, influxLineSink } from '../../ingest/hot-path/point-writer.ts';
import { createIngestMetrics } from '../../ingest/metrics.ts';
import { createAuditQueue, startAuditWorker } from '../../ingest/audit-queue.ts';
import { startReceivingHeartbeat, type ReceivingHeartbeat } from '../../ingest/receiving-heartbeat.ts';
import { HTTP_LIMIT_DEFAULTS } from '../config.ts';
import type { HttpMount, PluginFactory } from '../plugin.ts';

/**
 * Ingest as a plugin: the HTTP plugin (device reports, device registry, events, ops, and every
 * other plugin's routes under /api/v1), the group-commit point writer, the device-events queue
 * producer and the receiving heartbeat (API roles).
 */
export const ingestPlugin: PluginFactory = (ctx) => {
  const { config, influx, redis, keys, logger } = ctx;
  const metrics = createIngestMetrics({ defaultMetrics: true });
  const points = createPointWriter(influxLineSink(influx), {
    onBatch: (lines, ms, ok) => {
      metrics.batchLines.observe(lines);
      metrics.writeLatency.observe({ ok: String(ok) }, ms / 1000);
    },
  });
  const queue = createBullEventQueue({ connection: ctx.bullConnection({ failFast: true }), prefix: keys.bull });
  // API writes are audited through a queue (API roles) written to InfluxDB by a worker (worker roles).
  const audit = createAuditQueue({ connection: ctx.bullConnection({ failFast: true }), prefix: keys.bull, logger });
  let auditWorker: ReturnType<typeof startAuditWorker> | undefined;
  let mount: HttpMount | undefined;
  let heartbeat: ReceivingHeartbeat | undefined;
  return {
    name: 'ingest',
    registry: metrics.registry,
    http(m) {
      mount = m;
      // GET /metrics serves every plugin's metrics with ingest's.
      for (const r of m.registries)
        for (const { name } of r.getMetricsAsArray()) {
          const metric = r.getSingleMetric(name);
          if (metric) metrics.registry.registerMetric(metric);
        }
      return createApp({
        influx,
        redis,
        keys,
        queue,
        points,
        metrics,
        logger,
        adminToken: config.adminToken,
        viewerTokens: config.viewerTokens ?? [],
        audit,
        routers: m.routers,
        pages: m.pages,
        onDeviceChanged: m.onDeviceChanged,
        shuttingDown: m.shuttingDown,
        limits: {
          maxBodyBytesInFlight: { ...HTTP_LIMIT_DEFAULTS, ...config.http }.maxBodyBytesInFlight,
          rawRetention: config.rawRetention,
        },
      });
    },
    listening() {
      heartbeat = startReceivingHeartbeat({
        redis,
        influx,
        redisPrefix: config.redisPrefix,
        logger,
        canReceive: () => !(mount?.shuttingDown() ?? false),
      });
    },
    async start() {
      auditWorker = startAuditWorker({ connection: ctx.workerRedis(), prefix: keys.bull, influx, logger });
    },
    stopping: async () => {
      await heartbeat?.stop();
    },
    async stop() {
      await points.drain();
      await queue.close();
      await audit.close();
      await auditWorker?.close();
    },
  };
};
