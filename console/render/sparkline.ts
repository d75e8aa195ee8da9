import type { SeriesPoint } from '../../store/index.ts';
import { sparkline } from '../core/sparkline.ts';
import { h } from './layout.ts';

const W = 160;
const H = 32;
const FIGURES = [
  ['rttAvgMs', 'latency', 'ms'],
  ['lossPct', 'loss', '%'],
  ['jitterMs', 'jitter', 'ms'],
] as const;

const fmt = (v: number | null, unit: string) => (v === null ? 'no data' : `${Math.round(v * 10) / 10} ${unit}`);

/**
 * One inline SVG (no script, no style attribute: the CSP holds) with an accessible name that says
 * what it shows in words, for a screen reader and for anyone who cannot read a line.
 */
export function renderSparkline(
  iface: string,
  points: readonly SeriesPoint[],
  figure: (typeof FIGURES)[number],
  period: { fromMs: number; toMs: number; label: string },
): string {
  const [key, name, unit] = figure;
  const s = sparkline(
    points.map((p) => ({ timeMs: p.timeMs, value: p[key] })),
    { fromMs: period.fromMs, toMs: period.toMs, widthPx: W, heightPx: H },
  );
  const label =
    s.d === ''
      ? `${iface} ${name}, ${period.label}: no data`
      : `${iface} ${name}, ${period.label}: min ${fmt(s.min, unit)}, max ${fmt(s.max, unit)}, last ${fmt(s.last, unit)}`;
  const line = s.d ? `<path class="spark-line" d="${s.d}"/>` : '';
  return `<figure class="spark"><svg class="spark-${name}" role="img" aria-label="${h(label)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" preserveAspectRatio="none"><title>${h(label)}</title>${line}</svg><figcaption>${h(name)} <span class="sub">${h(s.d ? `max ${fmt(s.max, unit)}` : 'no data')}</span></figcaption></figure>`;
}

/** The three sparklines (latency, loss, jitter) of every link, one row each. */
export function renderSparklines(
  series: Map<string, SeriesPoint[]> | undefined,
  ifaces: readonly string[],
  period: { fromMs: number; toMs: number; label: string },
): string {
  if (!series) return '<p class="sub">The figures could not be read from InfluxDB.</p>';
  const names = [...new Set([...ifaces, ...series.keys()])].sort();
  if (names.length === 0) return '<p class="sub">No figures yet.</p>';
  return names
    .map(
      (iface) =>
        `<div class="sparks" data-iface="${h(iface)}"><h3>${h(iface)}</h3>${FIGURES.map((f) => renderSparkline(iface, series.get(iface) ?? [], f, period)).join('')}</div>`,
    )
    .join('\n');
}
