import type { DeviceUptime, FleetUptime, UptimeFigures } from '../core/types.ts';
import { isoTime } from './format.ts';

/** RFC 4180 field: quoted when it holds a comma, quote, CR or LF; quotes doubled. */
export function csvField(v: string | number | boolean | null): string {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const row = (cells: Array<string | number | boolean | null>) => cells.map(csvField).join(',') + '\r\n';

const FIGURE_COLUMNS = [
  'device_id',
  'iface',
  'from',
  'to',
  'online_ms',
  'offline_ms',
  'unknown_ms',
  'maintenance_ms',
  'availability_pct',
  'outages',
  'total_outage_ms',
  'longest_outage_ms',
  'mttr_ms',
  'mtbf_ms',
];
type Figs = Omit<UptimeFigures, 'segments' | 'outages'>;
const figureCells = (deviceId: string, iface: string, fromMs: number, toMs: number, f: Figs) => [
  deviceId,
  iface,
  isoTime(fromMs),
  isoTime(toMs),
  f.onlineMs,
  f.offlineMs,
  f.unknownMs,
  f.maintenanceMs,
  f.availabilityPct,
  f.outageCount,
  f.totalOutageMs,
  f.longestOutageMs,
  f.mttrMs,
  f.mtbfMs,
];

/** The row name of the site's internet figures (no interface can be named this: it has spaces). */
export const INTERNET_ROW = '(internet)';

/**
 * Two tables in one file, separated by an empty line: one row per interface (plus the site's
 * internet row), then the outage list. CRLF line ends (RFC 4180).
 */
export function deviceCsv(r: DeviceUptime): string {
  let out = row(FIGURE_COLUMNS);
  out += row(figureCells(r.deviceId, INTERNET_ROW, r.fromMs, r.toMs, r.internet));
  for (const i of r.ifaces) out += row(figureCells(r.deviceId, i.iface, r.fromMs, r.toMs, i));
  out += '\r\n';
  out += row(['device_id', 'iface', 'start', 'end', 'duration_ms', 'cause', 'open', 'clipped_start']);
  for (const [iface, f] of [[INTERNET_ROW, r.internet] as const, ...r.ifaces.map((i) => [i.iface, i] as const)]) {
    for (const o of f.outages)
      out += row([
        r.deviceId,
        iface,
        isoTime(o.startMs),
        isoTime(o.endMs),
        o.durationMs,
        o.cause,
        o.open,
        o.clippedStart,
      ]);
  }
  return out;
}

/** One row per device (internet) and per interface. */
export function fleetCsv(f: FleetUptime): string {
  let out = row(FIGURE_COLUMNS);
  for (const d of f.devices) {
    out += row(figureCells(d.deviceId, INTERNET_ROW, f.fromMs, f.toMs, d.internet));
    for (const i of d.ifaces) out += row(figureCells(d.deviceId, i.iface, f.fromMs, f.toMs, i));
  }
  return out;
}
