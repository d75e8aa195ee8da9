import { Router } from 'express';
import type { InfluxDB } from 'influx';
import { ProblemError, decodeTagValue, encodeTagValue } from '../../contract/index.ts';
import { M, RP } from '../../store/index.ts';
import { authMiddleware, type AuthDeps } from '../auth.ts';
import type { DeviceStore } from '../device-store.ts';
import { timeRange } from '../../store/query-time.ts';

const DAY_MS = 24 * 3600_000;
const MAX_PER_KIND = 10_000;

const SOURCES = [
  { type: 'transition', measurement: M.transition },
  { type: 'incident', measurement: M.incident },
  { type: 'notification', measurement: M.notification },
  { type: 'device_state', measurement: M.deviceState },
] as const;

export interface EventsApiDeps {
  auth: AuthDeps;
  store: DeviceStore;
  influx: InfluxDB;
  nowMs: () => number;
}

/** GET /devices/:id/events — transitions, incidents, notifications and reachability, merged in time order. */
export function eventsHttpApi(deps: EventsApiDeps): Router {
  const router = Router();
  router.get('/devices/:id/events', authMiddleware(deps.auth), async (req, res) => {
    const id = req.params.id as string;
    const { fromMs, toMs } = timeRange(req.query, { nowMs: deps.nowMs(), defaultSpanMs: DAY_MS });
    if (!(await deps.store.get(id))) throw new ProblemError('not_found', `no device "${id}"`);
    // Times are validated integers; the device goes in as a bound parameter (stringLit does not escape backslashes).
    const queries = SOURCES.map(
      (s) =>
        `SELECT * FROM "${RP.forever}"."${s.measurement}" WHERE "device" = $device AND time >= ${fromMs}ms AND time <= ${toMs}ms ORDER BY time ASC LIMIT ${MAX_PER_KIND}`,
    );
    let results: Array<Array<Record<string, unknown>>>;
    try {
      results = (await deps.influx.query(queries, {
        placeholders: { device: encodeTagValue(id) },
      })) as unknown as Array<Array<Record<string, unknown>>>;
    } catch (err) {
      throw new ProblemError('influx_unavailable', `reading events failed: ${(err as Error).message}`);
    }
    const events = SOURCES.flatMap((s, i) =>
      [...(results[i] ?? [])].map((row) => {
        const { time, device: _device, ...rest } = row as { time: Date; device?: string } & Record<string, unknown>;
        if (typeof rest.iface === 'string') rest.iface = decodeTagValue(rest.iface);
        return { type: s.type, timeMs: time.getTime(), time: time.toISOString(), ...rest } as {
          timeMs: number;
          seq?: unknown;
        };
      }),
    ).sort((a, b) => a.timeMs - b.timeMs || Number(a.seq ?? 0) - Number(b.seq ?? 0));
    res.json({ deviceId: id, fromMs, toMs, events });
  });
  return router;
}
