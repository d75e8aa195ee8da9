import type { Bucket, DeviceUptime, FleetUptime, Outage, Segment, UptimeFigures } from '../core/types.ts';
import { availabilityPct } from '../core/figures.ts';
import type { SlaResult } from '../core/sla.ts';
import { formatZoned } from '../core/zoned-time.ts';
import { escapeHtml, formatDuration, formatPct, ifaceLabel } from './format.ts';
import { slaLine } from './text.ts';

/**
 * Self-contained HTML: no scripts, no external resources, styles inline on every element (email
 * clients drop <style> blocks), so the page reads the same in a browser and in a mail client. The
 * SVG timelines are an addition; every figure is also in a table.
 */

export const BUCKET_COLOURS: Record<Bucket, string> = {
  online: '#2f9e55',
  offline: '#d64545',
  unknown: '#b9c0c8',
  maintenance: '#4a7fd6',
};

const FONT = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const TH =
  'text-align:left;padding:6px 10px;border-bottom:2px solid #d5dae0;color:#4a5560;font-weight:600;font-size:12px;white-space:nowrap';
const TD = 'padding:6px 10px;border-bottom:1px solid #e6e9ed;font-size:13px;white-space:nowrap';
const NUM = `${TD};text-align:right;font-variant-numeric:tabular-nums`;

function pctColour(pct: number | null): string {
  if (pct === null) return '#6b7580';
  if (pct >= 99.9) return '#1f7a3f';
  if (pct >= 99) return '#9a6a00';
  return '#b22a2a';
}

function dur(ms: number | null, field: string): string {
  return `<td style="${NUM}" data-field="${field}" data-ms="${ms ?? ''}">${formatDuration(ms)}</td>`;
}

type Figs = Omit<UptimeFigures, 'segments' | 'outages'>;

/** Availability cell: greyed and struck through, with the reason, when coverage is too low to mean anything. */
function availabilityCell(f: Figs): string {
  const exact = `data-field="availabilityPct" data-value="${f.availabilityPct ?? ''}"`;
  if (f.availabilityNote === null)
    return `<td style="${NUM};font-weight:700;color:${pctColour(f.availabilityPct)}" ${exact}>${formatPct(f.availabilityPct)}</td>`;
  const why = escapeHtml(`not meaningful: ${f.availabilityNote}`);
  return (
    `<td style="${NUM};color:#8a939c" ${exact} data-meaningful="false" title="${why}">` +
    `<span style="text-decoration:line-through">${formatPct(f.availabilityPct)}</span><br><span style="font-size:11px">${why}</span></td>`
  );
}

const pctCell = (pct: number | null, field: string) =>
  `<td style="${NUM}" data-field="${field}" data-value="${pct ?? ''}">${formatPct(pct)}</td>`;

/** One summary row; `data-*` attributes carry the exact values for machines (and tests). */
function figureRow(label: string, f: Figs, strong = false, indent = false, extra = ''): string {
  const name = strong ? `<strong>${escapeHtml(label)}</strong>` : escapeHtml(label);
  return (
    `<tr data-row="${escapeHtml(label)}" data-kind="${strong ? 'internet' : 'link'}"><td style="${TD}${indent ? ';padding-left:26px;color:#4a5560' : ''}">${name}</td>` +
    availabilityCell(f) +
    pctCell(f.coveragePct, 'coveragePct') +
    pctCell(f.qualityAvailabilityPct, 'qualityAvailabilityPct') +
    dur(f.onlineMs, 'onlineMs') +
    dur(f.degradedMs, 'degradedMs') +
    dur(f.offlineMs, 'offlineMs') +
    dur(f.unknownMs, 'unknownMs') +
    dur(f.maintenanceMs, 'maintenanceMs') +
    `<td style="${NUM}" data-field="outageCount" data-value="${f.outageCount}">${f.outageCount}</td>` +
    dur(f.longestOutageMs, 'longestOutageMs') +
    dur(f.mttrMs, 'mttrMs') +
    dur(f.mtbfMs, 'mtbfMs') +
    extra +
    `</tr>`
  );
}

const SUMMARY_HEAD = [
  '',
  'Availability',
  'Coverage',
  'Quality',
  'Online',
  'Degraded',
  'Offline',
  'Unknown',
  'Maintenance',
  'Outages',
  'Longest',
  'MTTR',
  'MTBF',
]
  .map((h, i) => `<th style="${TH}${i ? ';text-align:right' : ''}">${h}</th>`)
  .join('');

const W = 900;
const BAR_H = 22;

/** Inline SVG: one coloured bar per segment, device-unreachable parts hatched, day/period ticks. */
export function timelineSvg(
  label: string,
  segments: readonly Segment[],
  fromMs: number,
  toMs: number,
  idx = 0,
  timeZone = 'UTC',
): string {
  const formatTime = (ms: number) => formatZoned(ms, timeZone);
  const span = toMs - fromMs;
  const x = (t: number) => ((t - fromMs) / span) * W;
  const rects = segments
    .map((s) => {
      const x0 = x(s.startMs);
      const w = Math.max(x(s.endMs) - x0, 0.6);
      const title = `${escapeHtml(label)}: ${s.bucket}${s.unreachable ? ' (device unreachable)' : ''} ${formatTime(s.startMs)} – ${formatTime(s.endMs)} (${formatDuration(s.endMs - s.startMs)})`;
      const hatch = s.unreachable
        ? `<rect x="${x0.toFixed(2)}" y="0" width="${w.toFixed(2)}" height="${BAR_H}" fill="url(#hatch${idx})"/>`
        : '';
      return `<rect x="${x0.toFixed(2)}" y="0" width="${w.toFixed(2)}" height="${BAR_H}" fill="${BUCKET_COLOURS[s.bucket]}"><title>${title}</title></rect>${hatch}`;
    })
    .join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const anchor = f === 0 ? 'start' : f === 1 ? 'end' : 'middle';
      const t = fromMs + Math.round(span * f);
      return `<line x1="${(f * W).toFixed(1)}" y1="${BAR_H}" x2="${(f * W).toFixed(1)}" y2="${BAR_H + 4}" stroke="#9aa3ad"/><text x="${(f * W).toFixed(1)}" y="${BAR_H + 16}" font-size="10" fill="#6b7580" text-anchor="${anchor}">${formatTime(t).slice(0, 16)}</text>`;
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${BAR_H + 20}" viewBox="0 0 ${W} ${BAR_H + 20}" shape-rendering="crispEdges" role="img" aria-label="timeline of ${escapeHtml(label)}" style="display:block;max-width:100%;height:auto">` +
    `<defs><pattern id="hatch${idx}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-opacity="0.28" stroke-width="2"/></pattern></defs>` +
    `<rect x="0" y="0" width="${W}" height="${BAR_H}" fill="#eef0f2"/>${rects}${ticks}</svg>`
  );
}

const legend = () =>
  `<p style="margin:6px 0 14px;font-size:12px;color:#4a5560">` +
  (Object.entries(BUCKET_COLOURS) as Array<[Bucket, string]>)
    .map(
      ([b, c]) =>
        `<span style="display:inline-block;width:10px;height:10px;background:${c};margin:0 4px 0 12px;vertical-align:middle"></span>${b}`,
    )
    .join('') +
  `<span style="display:inline-block;width:10px;height:10px;margin:0 4px 0 12px;vertical-align:middle;background:repeating-linear-gradient(45deg,#999 0 2px,#fff 2px 4px)"></span>device unreachable</p>`;

function outageRows(label: string, outages: readonly Outage[], timeZone: string): string {
  const formatTime = (ms: number) => formatZoned(ms, timeZone);
  return outages
    .map((o) => {
      const flags = [o.clippedStart ? 'began before the period' : '', o.open ? 'still open at the end' : '']
        .filter(Boolean)
        .join(', ');
      const causes =
        o.parts.length > 1
          ? o.parts.map((p) => `${p.cause.replace('_', ' ')} ${formatDuration(p.endMs - p.startMs)}`).join(' → ')
          : o.cause.replace('_', ' ');
      return (
        `<tr data-outage="${escapeHtml(label)}"><td style="${TD}">${escapeHtml(label)}</td><td style="${TD}">${formatTime(o.startMs)}</td><td style="${TD}">${formatTime(o.endMs)}</td>` +
        `${dur(o.durationMs, 'durationMs')}<td style="${TD}">${escapeHtml(causes)}</td><td style="${TD};color:#9a6a00">${flags}</td></tr>`
      );
    })
    .join('');
}

function page(title: string, body: string): string {
  return (
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${escapeHtml(title)}</title></head><body style="margin:0;padding:24px;background:#f4f6f8;${FONT};color:#1d252d">` +
    `<div style="max-width:960px;margin:0 auto;background:#fff;border:1px solid #dde2e7;border-radius:6px;padding:24px 28px">${body}` +
    `<p style="margin-top:22px;font-size:11px;color:#8a939c">Computed by wanwatch from the transitions recorded by the device; rules in docs/reports.md.</p></div></body></html>`
  );
}

const table = (head: string, rows: string) =>
  `<table cellspacing="0" cellpadding="0" style="border-collapse:collapse;width:100%;margin:8px 0 4px">${head ? `<tr>${head}</tr>` : ''}${rows}</table>`;

/** The report of one device as a page. */
export function deviceHtml(r: DeviceUptime): string {
  const formatTime = (ms: number) => formatZoned(ms, r.timeZone);
  const title = `Uptime report — ${r.name ?? r.deviceId}`;
  const sub = `${escapeHtml(r.deviceId)}${r.site ? ` · ${escapeHtml(r.site)}` : ''} · ${formatTime(r.fromMs)} – ${formatTime(r.toMs)} (${formatDuration(r.periodMs)})`;
  const summary = table(
    SUMMARY_HEAD,
    figureRow('Internet (any WAN)', r.internet, true) + r.ifaces.map((i) => figureRow(ifaceLabel(i.iface), i)).join(''),
  );
  const timelines =
    `<div style="margin:6px 0 2px;font-size:13px;font-weight:600">Internet (any WAN)</div>${timelineSvg('internet', r.internet.segments, r.fromMs, r.toMs, 0, r.timeZone)}` +
    r.ifaces
      .map(
        (i, k) =>
          `<div style="margin:10px 0 2px;font-size:13px;font-weight:600">${escapeHtml(ifaceLabel(i.iface))}</div>${timelineSvg(i.iface, i.segments, r.fromMs, r.toMs, k + 1, r.timeZone)}`,
      )
      .join('');
  const allOutages =
    outageRows('internet', r.internet.outages, r.timeZone) +
    r.ifaces.map((i) => outageRows(ifaceLabel(i.iface), i.outages, r.timeZone)).join('');
  const outageHead = ['Link', 'Start', 'End', 'Duration', 'Cause', '']
    .map((h) => `<th style="${TH}">${h}</th>`)
    .join('');
  return page(
    title,
    `<h1 style="margin:0 0 4px;font-size:22px">${escapeHtml(title)}</h1><p style="margin:0 0 18px;color:#5b6670;font-size:13px">${sub}</p>` +
      slaBlock(r.sla) +
      `<h2 style="font-size:15px;margin:18px 0 4px">Summary</h2>${summary}` +
      `<p style="font-size:11px;color:#8a939c;margin:2px 0 0">Availability = online ÷ (online + offline); unknown and maintenance time count as neither. Coverage = measured ÷ (period so far − maintenance). Quality = (online − degraded) ÷ (online + offline). Times in ${escapeHtml(r.timeZone)}.</p>` +
      `<h2 style="font-size:15px;margin:22px 0 4px">Timeline</h2>${legend()}${timelines}` +
      `<h2 style="font-size:15px;margin:22px 0 4px">Outages</h2>` +
      (allOutages
        ? table(outageHead, allOutages)
        : `<p style="font-size:13px;color:#1f7a3f">No outages in this period.</p>`),
  );
}

/** The SLA verdict and error budget as a line (nothing without a target). */
function slaBlock(sla: SlaResult | null): string {
  if (!sla) return '';
  const colour = sla.met === null ? '#6b7580' : sla.met ? '#1f7a3f' : '#b22a2a';
  return (
    `<p style="margin:0 0 10px;font-size:14px;font-weight:600;color:${colour}" data-field="sla" data-target="${sla.targetPct}" data-met="${sla.met ?? ''}" ` +
    `data-remaining-ms="${sla.remainingBudgetMs}" data-allowed-ms="${sla.allowedDowntimeMs}">${escapeHtml(slaLine(sla))}</p>`
  );
}

function slaCell(sla: SlaResult | null): string {
  if (!sla) return `<td style="${TD}" data-field="sla"></td>`;
  const colour = sla.met === null ? '#6b7580' : sla.met ? '#1f7a3f' : '#b22a2a';
  const verdict = sla.met === null ? 'not judged' : sla.met ? 'met' : 'missed';
  return (
    `<td style="${NUM};color:${colour}" data-field="sla" data-met="${sla.met ?? ''}" data-remaining-ms="${sla.remainingBudgetMs}">` +
    `${verdict} ${formatPct(sla.targetPct)}<br><span style="font-size:11px">budget ${sla.remainingBudgetMs < 0 ? '−' : ''}${formatDuration(Math.abs(sla.remainingBudgetMs))}</span></td>`
  );
}

/** The fleet summary as a page: one row per device (internet) with its links, who needs attention first. */
export function fleetHtml(f: FleetUptime, timeZone = 'UTC'): string {
  const formatTime = (ms: number) => formatZoned(ms, timeZone);
  const title = 'Fleet uptime report';
  const rows = f.devices
    .map(
      (d) =>
        figureRow(
          d.name && d.name !== d.deviceId ? `${d.deviceId} (${d.name})` : d.deviceId,
          d.internet,
          true,
          false,
          slaCell(d.sla),
        ) + d.ifaces.map((i) => figureRow(ifaceLabel(i.iface), i, false, true, `<td style="${TD}"></td>`)).join(''),
    )
    .join('');
  const longest = f.devices.reduce((m, d) => Math.max(m, d.internet.longestOutageMs), 0);
  const total: Figs = {
    ...f.internet,
    totalOutageMs: 0,
    longestOutageMs: longest,
    mttrMs: null,
    mtbfMs: null,
    degradedCount: f.devices.reduce((n, d) => n + d.internet.degradedCount, 0),
    longestDegradedMs: f.devices.reduce((m, d) => Math.max(m, d.internet.longestDegradedMs), 0),
    qualityAvailabilityPct: availabilityPct(
      f.internet.onlineMs - f.internet.degradedMs,
      f.internet.offlineMs + f.internet.degradedMs,
    ),
  };
  return page(
    title,
    `<h1 style="margin:0 0 4px;font-size:22px">${title}</h1><p style="margin:0 0 18px;color:#5b6670;font-size:13px">${f.deviceCount} device${f.deviceCount === 1 ? '' : 's'} · ${formatTime(f.fromMs)} – ${formatTime(f.toMs)}</p>` +
      table(
        SUMMARY_HEAD + `<th style="${TH}">SLA</th>`,
        figureRow('All devices (internet)', total, true, false, `<td style="${TD}"></td>`) + rows,
      ),
  );
}
