import type { SlaResult } from '../core/sla.ts';
import type { DeviceUptime, FleetUptime, UptimeFigures } from '../core/types.ts';
import { isoTime } from './format.ts';

/**
 * RFC 4180 field: quoted when it holds a comma, quote, CR or LF; quotes doubled. A text cell that a
 * spreadsheet would read as a formula (starting with `=` `+` `-` `@`, tab or CR) gets a leading `'`
 * so it stays text: names come from devices. Numbers are left as they are.
 *
 * | value                 | field            |
 * |-----------------------|------------------|
 * | `wan`                 | `wan`            |
 * | `a,b`                 | `"a,b"`          |
 * | `=HYPERLINK("x")`     | `"'=HYPERLINK(""x"")"` |
 * | `-1` (text)           | `'-1`            |
 * | -1 (number)           | `-1`             |
 */
export function csvField(v: string | number | boolean | null): string {
  let s = v === null ? '' : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
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
  'degraded_ms',
  'degraded_count',
  'longest_degraded_ms',
  'quality_availability_pct',
  'coverage_pct',
  'availability_note',
  'sla_target_pct',
  'sla_met',
  'error_budget_remaining_ms',
  'time_zone',
  'kind',
];
/** What a row is about: the site's internet (any WAN online) or one WAN link — never told by the name. */
type RowKind = 'internet' | 'link';
type Figs = Omit<UptimeFigures, 'segments' | 'outages'>;
/** The row's SLA and zone: only the internet rows carry the SLA (a target is for the site's internet). */
interface RowContext {
  sla: SlaResult | null;
  timeZone: string;
}
const figureCells = (
  deviceId: string,
  iface: string,
  kind: RowKind,
  fromMs: number,
  toMs: number,
  f: Figs,
  ctx: RowContext,
) => [
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
  f.degradedMs,
  f.degradedCount,
  f.longestDegradedMs,
  f.qualityAvailabilityPct,
  f.coveragePct,
  f.availabilityNote,
  kind === 'internet' ? (ctx.sla?.targetPct ?? null) : null,
  kind === 'internet' ? (ctx.sla?.met ?? null) : null,
  kind === 'internet' ? (ctx.sla?.remainingBudgetMs ?? null) : null,
  ctx.timeZone,
  kind,
];

/**
 * The iface cell of the site's internet rows. An interface may carry the same name: the `kind`
 * column (`internet` or `link`) tells the rows apart.
 */
export const INTERNET_ROW = '(internet)';

/**
 * Two tables in one file, separated by an empty line: one row per interface (plus the site's
 * internet row), then the outage list. CRLF line ends (RFC 4180).
 */
export function deviceCsv(r: DeviceUptime): string {
  let out = row(FIGURE_COLUMNS);
  out += row(figureCells(r.deviceId, INTERNET_ROW, 'internet', r.fromMs, r.toMs, r.internet, r));
  for (const i of r.ifaces) out += row(figureCells(r.deviceId, i.iface, 'link', r.fromMs, r.toMs, i, r));
  out += '\r\n';
  out += row(['device_id', 'iface', 'start', 'end', 'duration_ms', 'cause', 'open', 'clipped_start', 'kind']);
  const tables = [
    [INTERNET_ROW, 'internet', r.internet] as const,
    ...r.ifaces.map((i) => [i.iface, 'link', i] as const),
  ];
  for (const [iface, kind, f] of tables) {
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
        kind,
      ]);
  }
  return out;
}

/** One row per device (internet) and per interface, devices needing attention first. Times in UTC ISO 8601. */
export function fleetCsv(f: FleetUptime): string {
  let out = row(FIGURE_COLUMNS);
  for (const d of f.devices) {
    out += row(figureCells(d.deviceId, INTERNET_ROW, 'internet', f.fromMs, f.toMs, d.internet, d));
    for (const i of d.ifaces) out += row(figureCells(d.deviceId, i.iface, 'link', f.fromMs, f.toMs, i, d));
  }
  return out;
}
