/**
 * How durations, times and figures read in every output — alert emails, uptime reports (text,
 * HTML, CSV, scheduled emails), the CLI — so the same outage reads the same everywhere. Pure.
 * Rules in docs/api.md, "Durations and times in outputs".
 */

/**
 * A duration: the largest unit first, the smaller ones two digits, down to seconds; a fraction of a
 * second only under ten seconds (a 0.4 s blip is not a 1 s one; for longer spans it is noise).
 * Longer spans are cut to the second, never rounded up.
 *
 * | ms                          | shown            |
 * | --------------------------- | ---------------- |
 * | null                        | `—`              |
 * | 0                           | `0s`             |
 * | 250                         | `0.250s`         |
 * | 7_004                       | `7.004s`         |
 * | 45_999                      | `45s`            |
 * | 123_999                     | `2m 03s`         |
 * | 3h 4m                       | `3h 04m 00s`     |
 * | 2d 3h 4m 5s                 | `2d 03h 04m 05s` |
 * | negative                    | `-` + the above  |
 */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(Math.round(ms));
  if (abs < 10_000) {
    const milli = abs % 1000;
    return `${sign}${Math.floor(abs / 1000)}${milli ? `.${String(milli).padStart(3, '0')}` : ''}s`;
  }
  if (abs < 60_000) return `${sign}${Math.floor(abs / 1000)}s`;
  const totalS = Math.floor(abs / 1000);
  const d = Math.floor(totalS / 86_400);
  const h = Math.floor((totalS % 86_400) / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  const parts = d ? [`${d}d`, `${two(h)}h`, `${two(m)}m`] : h ? [`${h}h`, `${two(m)}m`] : [`${m}m`];
  return `${sign}${parts.join(' ')} ${two(s)}s`;
}

/** `2026-01-05 00:00:00 UTC`; milliseconds shown when not zero (`…00:00:00.005 UTC`). Always UTC. */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  const base = iso.slice(0, 19).replace('T', ' ');
  return `${base}${ms % 1000 ? iso.slice(19, 23) : ''} UTC`;
}

/** ISO 8601 in UTC (`2026-01-05T00:00:00.000Z`): machine-read outputs (CSV, JSON). */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** `99.982 %`; `n/a` when nothing was measured. */
export function formatPct(pct: number | null): string {
  return pct === null ? 'n/a' : `${pct.toFixed(3)} %`;
}

/** Text made safe inside HTML elements and quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
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
