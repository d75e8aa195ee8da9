/** A sparkline's geometry: an SVG path over a fixed box, and the figures its label states. */
export interface Sparkline {
  /** SVG path data (`M x y L x y …`); a bucket without a value breaks the line. Empty: no data. */
  d: string;
  min: number | null;
  max: number | null;
  last: number | null;
}

/**
 * Scales points of a period onto a `widthPx` × `heightPx` box: time left to right over
 * [fromMs, toMs], value bottom to top over [0, max] (a zero baseline, so a flat 1 % loss does not
 * look like an outage). Points outside the period are left out; a null value ends a segment; a lone point is a 1 px tick.
 * Coordinates are rounded to 0.1 px (small pages at 1,000 devices matter more than sub-pixels).
 */
export function sparkline(
  points: ReadonlyArray<{ timeMs: number; value: number | null }>,
  o: { fromMs: number; toMs: number; widthPx: number; heightPx: number },
): Sparkline {
  const inside = points.filter((p) => p.timeMs >= o.fromMs && p.timeMs <= o.toMs);
  const values = inside.map((p) => p.value).filter((v): v is number => v !== null && Number.isFinite(v));
  if (values.length === 0) return { d: '', min: null, max: null, last: null };
  const max = Math.max(...values);
  const span = Math.max(1, o.toMs - o.fromMs);
  const top = max > 0 ? max : 1;
  const r = (n: number) => Math.round(n * 10) / 10;
  let d = '';
  // Points in the current segment: a lone point gets a 1 px tick, or it would not show.
  let run = 0;
  const endRun = () => {
    if (run === 1) d += ' h1';
    run = 0;
  };
  for (const p of inside) {
    if (p.value === null || !Number.isFinite(p.value)) {
      endRun();
      continue;
    }
    const x = r(((p.timeMs - o.fromMs) / span) * o.widthPx);
    const y = r(o.heightPx - (p.value / top) * o.heightPx);
    d += `${d ? ' ' : ''}${run > 0 ? 'L' : 'M'}${x} ${y}`;
    run++;
  }
  endRun();
  let last: number | null = null;
  for (const p of inside) if (p.value !== null && Number.isFinite(p.value)) last = p.value;
  return { d, min: Math.min(...values), max, last };
}
