import type { InfluxDB, IPoint } from 'influx';
import type { Logger } from 'pino';
import { encodeTagValue } from '../contract/index.ts';
import { DEVICE_INFO_FIELDS as DI, M, RP, TAG, type DeviceRecord } from '../store/index.ts';
import type { DashboardInventory } from './inventory.ts';

/**
 * `wan_device_info` (RP forever): the registry's name and site of a device, so Grafana shows them
 * by query instead of mappings baked into the JSON. The latest point per device wins.
 */
export function deviceInfoPoint(id: string, record: Pick<DeviceRecord, 'name' | 'site'> | null, nowMs: number): IPoint {
  return {
    measurement: M.deviceInfo,
    tags: { [TAG.device]: encodeTagValue(id) },
    fields: {
      [DI.name]: record ? record.name || id : id,
      [DI.site]: record?.site ?? '',
      [DI.removed]: record ? 0 : 1,
    },
    timestamp: new Date(nowMs),
  };
}

export async function writeDeviceInfo(influx: Pick<InfluxDB, 'writePoints'>, points: IPoint[]): Promise<void> {
  for (let i = 0; i < points.length; i += 5000)
    await influx.writePoints(points.slice(i, i + 5000), { retentionPolicy: RP.forever, precision: 'ms' });
}

/** Writes every registered device's info (export/sync: also covers devices registered before the measurement existed). */
export async function backfillDeviceInfo(
  influx: Pick<InfluxDB, 'writePoints'>,
  records: DeviceRecord[],
  nowMs = Date.now(),
): Promise<void> {
  await writeDeviceInfo(
    influx,
    records.map((r) => deviceInfoPoint(r.id, r, nowMs)),
  );
}

export interface DeviceInfoWriter {
  /** Use as ingest's `onDeviceChanged`: the device's current registry entry (or its removal) is written. */
  schedule(id: string): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Writes `wan_device_info` on registry changes, off the request path. A failed write (InfluxDB
 * down) is retried with backoff (1 s doubling, at most `maxAttempts` times) and then logged; the
 * next `dashboards export|sync` backfills every device anyway.
 */
export function createDeviceInfoWriter(deps: {
  influx: Pick<InfluxDB, 'writePoints'>;
  inventory: Pick<DashboardInventory, 'loadDevice'>;
  logger: Logger;
  nowMs?: () => number;
  retryBaseMs?: number;
  maxAttempts?: number;
}): DeviceInfoWriter {
  const nowMs = deps.nowMs ?? Date.now;
  const retryBaseMs = deps.retryBaseMs ?? 1_000;
  const maxAttempts = deps.maxAttempts ?? 6;
  const log = deps.logger.child({ component: 'device-info' });
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let closed = false;

  const attempt = (id: string, n: number): void => {
    if (closed) return;
    const p = (async () => {
      try {
        const record = await deps.inventory.loadDevice(id);
        await writeDeviceInfo(deps.influx, [deviceInfoPoint(id, record, nowMs())]);
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        if (n + 1 >= maxAttempts || closed) {
          log.error(
            { device: id, attempts: n + 1, err: msg },
            'device info not written; the next dashboards export/sync writes it',
          );
          return;
        }
        log.warn({ device: id, attempt: n + 1, err: msg }, 'device info write failed; retrying');
        const t = setTimeout(
          () => {
            timers.delete(t);
            attempt(id, n + 1);
          },
          retryBaseMs * 2 ** n,
        );
        t.unref();
        timers.add(t);
      }
    })();
    running.add(p);
    void p.finally(() => running.delete(p));
  };

  return {
    schedule: (id) => attempt(id, 0),
    async flush() {
      while (running.size > 0) await Promise.all([...running]);
    },
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.all([...running]);
    },
  };
}
