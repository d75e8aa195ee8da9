import type { DeviceUptime, FleetUptime, UptimeFigures } from '../core/types.ts';
import { formatDuration, formatPct, formatTime, ifaceLabel, terminalSafe } from './format.ts';

type Figs = Omit<UptimeFigures, 'segments' | 'outages'>;
const COLS = ['', 'availability', 'online', 'offline', 'unknown', 'maintenance', 'outages', 'longest', 'MTTR', 'MTBF'];
const cells = (label: string, f: Figs) => [
  label,
  formatPct(f.availabilityPct),
  formatDuration(f.onlineMs),
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

/** The device report as plain text: the CLI's `table` format and the text part of the email. */
export function deviceText(r: DeviceUptime): string {
  // Names come from devices and admins: printed with every terminal control shown as an escape.
  const t = terminalSafe;
  let out = `Uptime report: ${t(r.deviceId)}${r.name && r.name !== r.deviceId ? ` (${t(r.name)})` : ''}${r.site ? `, ${t(r.site)}` : ''}\n`;
  out += `Period: ${formatTime(r.fromMs)} – ${formatTime(r.toMs)} (${formatDuration(r.periodMs)})\n\n`;
  const label = (iface: string) => t(ifaceLabel(iface));
  out += alignTable([COLS, cells('internet (any WAN)', r.internet), ...r.ifaces.map((i) => cells(label(i.iface), i))]);
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

export function fleetText(f: FleetUptime): string {
  let out = `Fleet uptime report: ${f.deviceCount} devices\nPeriod: ${formatTime(f.fromMs)} – ${formatTime(f.toMs)}\n\n`;
  const rows = f.devices.flatMap((d) => [
    cells(terminalSafe(d.deviceId), d.internet),
    ...d.ifaces.map((i) => cells(`  ${terminalSafe(ifaceLabel(i.iface))}`, i)),
  ]);
  out += alignTable([COLS, ...rows]);
  out += `\nAll devices (internet): ${formatPct(f.internet.availabilityPct)}, ${f.internet.outageCount} outages, offline ${formatDuration(f.internet.offlineMs)}\n`;
  return out;
}
