/** Formatting shared by every output, so the CSV, the HTML page, the table and the emails agree. */

/** `2d 03h 04m 05s`, with milliseconds only when there are any (`20m 00.250s`); `0s` for zero. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  const d = Math.floor(rest / 86_400_000);
  rest -= d * 86_400_000;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1000);
  const milli = rest - s * 1000;
  const sec = `${String(s).padStart(2, '0')}${milli ? '.' + String(milli).padStart(3, '0') : ''}s`;
  const parts: string[] = [];
  if (d) parts.push(`${d}d`);
  if (d || h) parts.push(`${String(h).padStart(d ? 2 : 1, '0')}h`);
  if (d || h || m) parts.push(`${String(m).padStart(d || h ? 2 : 1, '0')}m`);
  parts.push(parts.length ? sec : sec.replace(/^0(\d)/, '$1'));
  return sign + parts.join(' ');
}

/** `99.982 %`; `n/a` when nothing was measured. */
export function formatPct(pct: number | null): string {
  return pct === null ? 'n/a' : `${pct.toFixed(3)} %`;
}

/** `2026-01-05 00:00:00 UTC` (milliseconds shown when not zero). Reports are in UTC. */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  const base = iso.slice(0, 19).replace('T', ' ');
  return `${base}${ms % 1000 ? iso.slice(19, 23) : ''} UTC`;
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Characters a terminal would act on instead of showing: C0 and C1 controls (escape sequences,
 * carriage return, bell), DEL, and the bidirectional overrides that reorder what is shown.
 */
// eslint-disable-next-line no-control-regex
const TERMINAL_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A device-supplied name made safe to print on a terminal: every character it would act on is
 * shown as an escape (`\x1b`, `\u202e`), so `wan\x1b[2J` prints as those characters.
 */
export function terminalSafe(s: string): string {
  return s.replace(TERMINAL_UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Labels the reports give the site's own rows; an interface of the same name is quoted to stay apart. */
const RESERVED_LABELS = new Set(['internet', 'internet (any wan)', '(internet)', 'all devices (internet)']);

/**
 * An interface name as a report label: quoted when it reads like one of the report's own rows
 * (an interface named `internet` is a link, not the site's internet).
 */
export function ifaceLabel(name: string): string {
  return RESERVED_LABELS.has(name.trim().toLowerCase()) ? `"${name}"` : name;
}
