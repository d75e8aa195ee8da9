import type { NextFunction, Request, Response, Router } from 'express';
import type { InfluxDB } from 'influx';
import type { Redis } from 'ioredis';
import { readAlertViews, readIfaceSeries, type DeviceRegistry, type RedisKeys } from '../store/index.ts';
import type { ApiCall } from './api-client.ts';
import { renderDevice } from './render/device.ts';
import { layout } from './render/layout.ts';
import type { Session } from './session.ts';

type Req = Request & { session?: Session };
type Mw = (req: Req, res: Response, next: NextFunction) => unknown;

const DAY_MS = 86_400_000;
/** The sparklines' period and bucket: 6 hours in 5-minute means (72 points per line). */
const SPARK_SPAN_MS = 6 * 3600_000;
const SPARK_BUCKET_MS = 5 * 60_000;

/**
 * The device page: live state and alerting's verdicts from Redis, the sparklines' figures from
 * InfluxDB (store/series-read.ts), events and uptime through the API. A part that cannot be read is
 * said so on the page; the rest still shows.
 */
export function addDevicePage(
  r: Router,
  d: {
    redis: Redis;
    keys: RedisKeys;
    registry: DeviceRegistry;
    influx: InfluxDB;
    api: ApiCall;
    nowMs: () => number;
    grafanaUrl?: string;
    requireSession: Mw;
  },
): void {
  r.get('/device/:id', d.requireSession, async (req: Req, res) => {
    const id = req.params.id as string;
    const device = await d.registry.device(id);
    if (!device)
      return void res
        .status(404)
        .type('html')
        .send(layout('Not found', '<h1>No such device</h1>', req.session));
    const t = d.nowMs();
    const path = `/devices/${encodeURIComponent(id)}`;
    const [live, [alert], series, events, ...uptimes] = await Promise.all([
      d.registry.live(id),
      readAlertViews(d.redis, d.keys, [id]),
      readIfaceSeries(d.influx, { deviceId: id, fromMs: t - SPARK_SPAN_MS, toMs: t, bucketMs: SPARK_BUCKET_MS }).catch(
        () => undefined,
      ),
      d.api('GET', `${path}/events`).catch(() => undefined),
      ...[DAY_MS, 7 * DAY_MS, 30 * DAY_MS].map((span) =>
        d.api('GET', `${path}/uptime?from=${t - span}&to=${t}`).catch(() => undefined),
      ),
    ]);
    const sparkPeriod = { fromMs: t - SPARK_SPAN_MS, toMs: t, label: 'last 6 h' };
    res
      .type('html')
      .send(
        renderDevice(
          { device, live, alert, series, sparkPeriod, events, uptimes, nowMs: t, grafanaUrl: d.grafanaUrl },
          req.session!,
        ),
      );
  });
}
