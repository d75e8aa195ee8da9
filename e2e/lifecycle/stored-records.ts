/**
 * What the backend stored for one device, read straight from InfluxDB (not through our API, so a
 * failure message shows the rows as they are): link transitions, the watchdog's reachability
 * decisions, incidents and notification attempts, one printable line per row.
 */
import type { InfluxDB } from 'influx';
import { M, RP } from '../../store/influx-schema.ts';

export interface StoredRow {
  timeMs: number;
  [field: string]: unknown;
}

export interface StoredRecords {
  transitions: StoredRow[];
  deviceStates: StoredRow[];
  incidents: StoredRow[];
  notifications: StoredRow[];
}

async function rows(influx: InfluxDB, measurement: string, deviceId: string, fromMs: number): Promise<StoredRow[]> {
  const res = (await influx.query(
    `SELECT * FROM "${RP.forever}"."${measurement}" WHERE "device" = $d AND time >= ${fromMs}ms`,
    { placeholders: { d: deviceId } },
  )) as unknown as Array<Record<string, unknown> & { time: Date }>;
  return res.map(({ time, ...rest }) => ({ ...rest, timeMs: time.getTime() })).sort((a, b) => a.timeMs - b.timeMs);
}

export async function storedRecords(influx: InfluxDB, deviceId: string, fromMs: number): Promise<StoredRecords> {
  const [transitions, deviceStates, incidents, notifications] = await Promise.all([
    rows(influx, M.transition, deviceId, fromMs),
    rows(influx, M.deviceState, deviceId, fromMs),
    rows(influx, M.incident, deviceId, fromMs),
    rows(influx, M.notification, deviceId, fromMs),
  ]);
  return { transitions, deviceStates, incidents, notifications };
}

const SHOWN: Record<keyof StoredRecords, string[]> = {
  transitions: ['iface', 'from_state', 'to_state', 'reason', 'boot_id', 'seq'],
  deviceStates: ['state', 'last_seen_ms'],
  incidents: ['kind', 'status', 'iface_name', 'title', 'duration_ms'],
  notifications: ['status', 'subject', 'error'],
};

/** Every stored row, grouped by measurement, in seconds after `zeroMs`. */
export function describeRecords(r: StoredRecords, zeroMs: number): string {
  const out: string[] = [];
  for (const key of Object.keys(SHOWN) as Array<keyof StoredRecords>) {
    out.push(`${key} (${r[key].length}):`);
    for (const row of r[key]) {
      const fields = SHOWN[key]
        .filter((f) => row[f] !== undefined && row[f] !== null && row[f] !== '')
        .map((f) => `${f}=${String(row[f])}`);
      out.push(`  +${((row.timeMs - zeroMs) / 1000).toFixed(1)} s ${fields.join(' ')}`);
    }
  }
  return out.join('\n');
}
