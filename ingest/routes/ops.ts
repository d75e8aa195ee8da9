import { Router } from 'express';
import type { InfluxDB } from 'influx';
import type { Redis } from 'ioredis';
import type { IngestMetrics } from '../metrics.ts';

/** Liveness, readiness (InfluxDB and Redis answer within 2 s) and Prometheus metrics. */
export function opsHttpApi(deps: { influx: InfluxDB; redis: Redis; metrics: IngestMetrics }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const [influx, redis] = await Promise.all([
      deps.influx
        .ping(2_000)
        .then((hosts) => hosts.some((h) => h.online))
        .catch(() => false),
      Promise.race([
        deps.redis.ping().then((r) => r === 'PONG'),
        new Promise<boolean>((resolve) => setTimeout(resolve, 2_000, false).unref()),
      ]).catch(() => false),
    ]);
    const ok = influx && redis;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not_ready', influx, redis });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
