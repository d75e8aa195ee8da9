import type { SlaResult } from '../core/sla.ts';
import type { DeviceUptime, FleetUptime, UptimeFigures } from '../core/types.ts';
import { formatZoned } from '../core/zoned-time.ts';
import { formatDuration, formatPct, ifaceLabel, terminalSafe } from './format.ts';

type Figs = Omit<UptimeFigures, 'segments' | 'outages'>;
const COLS = [
  '',
  'availability',
  'coverage',
  'quality',
  'online',
  'degraded',
  'offline',
  'unknown',
  'maintenance',
  'outages',
  'longest',
  'MTTR',
  'MTBF',
];
/** Availability below the coverage threshold is printed in parentheses with a `*`: not meaningful. */
const availability = (f: Figs) =>
  f.availabilityNote === null || f.availabilityPct === null
    ? formatPct(f.availabilityPct)
    : `(${formatPct(f.availabilityPct)})*`;
const cells = (label: string, f: Figs) => [
  label,
  availability(f),
  formatPct(f.coveragePct),
  formatPct(f.qualityAvailabilityPct),
  formatDuration(f.onlineMs),
  formatDuration(f.degradedMs),
  formatDuration(f.offlineMs),
  formatDuration(f.unknownMs),
  formatDuration(f.maintenanceMs),
  String(f.outageCount),
  formatDuration(f.longestOutageMs),
  formatDuration(f.mttrMs),
  formatDuration(f.mtbfMs),
];

/** Aligned plain-text columns (first left-aligned, the rest right-aligned). */
export function alignTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return (
    rows
      .map((r) =>
        r
          .map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** `SLA 99.900 %: missed, error budget overspent by 1h 02m 03s` (empty without a target). */
export function slaLine(sla: SlaResult | null): string {
  if (!sla) return '';
  const verdict = sla.met === null ? 'not judged (availability not meaningful)' : sla.met ? 'met' : 'MISSED';
  const budget =
    sla.remainingBudgetMs >= 0
      ? `error budget left ${formatDuration(sla.remainingBudgetMs)} of ${formatDuration(sla.allowedDowntimeMs)}`
      : `error budget overspent by ${formatDuration(-sla.remainingBudgetMs)} (allowed ${formatDuration(sla.allowedDowntimeMs)})`;
  return `SLA ${formatPct(sla.targetPct)}: ${verdict}, ${budget}`;
}

const notes = (rows: Array<[string, Figs]>) =>
  rows
    .filter(([, f]) => f.availabilityNote !== null)
    .map(([label, f]) => `* ${label}: availability not meaningful: ${f.availabilityNote}\n`)
    .join('');

/** The device report as plain text: the CLI's `table` format and the text part of the email. */
export function deviceText(r: DeviceUptime): string {
  // Names come from devices and admins: printed with every terminal control shown as an escape.
  const t = terminalSafe;
  let out = `Uptime report: ${t(r.deviceId)}${r.name && r.name !== r.deviceId ? ` (${t(r.name)})` : ''}${r.site ? `, ${t(r.site)}` : ''}\n`;
  const formatTime = (ms: number) => formatZoned(ms, r.timeZone);
  out += `Period: ${formatTime(r.fromMs)} – ${formatTime(r.toMs)} (${formatDuration(r.periodMs)})\n`;
  out += r.sla ? `${slaLine(r.sla)}\n\n` : '\n';
  const label = (iface: string) => t(ifaceLabel(iface));
  out += alignTable([COLS, cells('internet (any WAN)', r.internet), ...r.ifaces.map((i) => cells(label(i.iface), i))]);
  out += notes([['internet (any WAN)', r.internet], ...r.ifaces.map((i) => [label(i.iface), i] as [string, Figs])]);
  const outages = [['internet', r.internet] as const, ...r.ifaces.map((i) => [label(i.iface), i] as const)].flatMap(
    ([label, f]) =>
      f.outages.map((o) => [
        label,
        formatTime(o.startMs),
        formatTime(o.endMs),
        formatDuration(o.durationMs),
        o.cause,
        [o.clippedStart ? 'began before period' : '', o.open ? 'open' : ''].filter(Boolean).join(', '),
      ]),
  );
  out +=
    '\n' +
    (outages.length
      ? `Outages:\n${alignTable([['link', 'start', 'end', 'duration', 'cause', ''], ...outages])}`
      : 'No outages in this period.\n');
  return out;
}

/** The fleet, devices needing attention first (missed SLA, then worst availability); times in UTC. */
export function fleetText(f: FleetUptime, timeZone = 'UTC'): string {
  const formatTime = (ms: number) => formatZoned(ms, timeZone);
  let out = `Fleet uptime report: ${f.deviceCount} devices\nPeriod: ${formatTime(f.fromMs)} – ${formatTime(f.toMs)}\n\n`;
  const cols = [...COLS, 'SLA'];
  const slaCell = (s: SlaResult | null) =>
    s ? `${s.met === null ? '?' : s.met ? 'met' : 'MISSED'} ${formatPct(s.targetPct)}` : '';
  const rows = f.devices.flatMap((d) => [
    [...cells(terminalSafe(d.deviceId), d.internet), slaCell(d.sla)],
    ...d.ifaces.map((i) => cells(`  ${terminalSafe(ifaceLabel(i.iface))}`, i)),
  ]);
  out += alignTable([cols, ...rows]);
  out += notes(f.devices.map((d) => [terminalSafe(d.deviceId), d.internet] as [string, Figs]));
  out += `\nAll devices (internet): ${formatPct(f.internet.availabilityPct)}, coverage ${formatPct(f.internet.coveragePct)}, ${f.internet.outageCount} outages, offline ${formatDuration(f.internet.offlineMs)}, degraded ${formatDuration(f.internet.degradedMs)}\n`;
  return out;
}
