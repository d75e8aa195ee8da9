import { formatTime } from '../../store/text-format.ts';

/**
 * Calendar arithmetic in an IANA time zone with `Intl` only (pure). A zone's day can be 23 or 25
 * hours long (DST), so period boundaries are computed as wall-clock midnights converted to
 * instants, never as multiples of 24 hours.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True for a zone name `Intl` knows (`UTC`, `Europe/Berlin`, …). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export interface WallTime {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall clock in `timeZone` at instant `ms` (milliseconds dropped). */
export function wallTime(ms: number, timeZone: string): WallTime {
  const parts = Object.create(null) as Record<string, string>;
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** The zone's offset from UTC at instant `ms`, in ms (Berlin in summer: +7 200 000). */
export function offsetMs(ms: number, timeZone: string): number {
  const w = wallTime(ms, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The instant of a wall-clock time in `timeZone`. Month and day may overflow (month 13 = January
 * next year), as with Date.UTC. A wall time skipped by a DST jump maps to the instant after the jump.
 */
export function zonedToUtc(
  timeZone: string,
  year: number,
  month: number,
  day = 1,
  hour = 0,
  minute = 0,
  second = 0,
  ms = 0,
): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const first = wall - offsetMs(wall, timeZone);
  const second_ = wall - offsetMs(first, timeZone);
  return Math.max(first, second_);
}

/** Midnight at the start of the zone's calendar day containing `ms`. */
export function startOfDay(ms: number, timeZone: string): number {
  const w = wallTime(ms, timeZone);
  return zonedToUtc(timeZone, w.year, w.month, w.day);
}

/**
 * The last full period before `nowMs` on the zone's calendar:
 *
 * | kind    | covers (wall clock in the zone)                         |
 * |---------|---------------------------------------------------------|
 * | `week`  | the last full ISO week: Monday 00:00 … next Monday 00:00 |
 * | `month` | the last full calendar month: the 1st 00:00 … next 1st  |
 */
export function lastFullPeriod(
  kind: 'week' | 'month',
  nowMs: number,
  timeZone: string,
): { fromMs: number; toMs: number } {
  const w = wallTime(nowMs, timeZone);
  if (kind === 'month') {
    return { fromMs: zonedToUtc(timeZone, w.year, w.month - 1, 1), toMs: zonedToUtc(timeZone, w.year, w.month, 1) };
  }
  const sinceMonday = (new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay() + 6) % 7;
  return {
    fromMs: zonedToUtc(timeZone, w.year, w.month, w.day - sinceMonday - 7),
    toMs: zonedToUtc(timeZone, w.year, w.month, w.day - sinceMonday),
  };
}

/** `2026-03-29 03:00:00 CEST`-style display of an instant in the zone (`UTC` keeps the shared format). */
export function formatZoned(ms: number, timeZone: string): string {
  if (timeZone === 'UTC') return formatTime(ms);
  const w = wallTime(ms, timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  const frac = ms % 1000 ? `.${String(((ms % 1000) + 1000) % 1000).padStart(3, '0')}` : '';
  const name =
    timeZone === 'UTC'
      ? 'UTC'
      : (new Intl.DateTimeFormat('en-GB', { timeZone, timeZoneName: 'short' })
          .formatToParts(new Date(ms))
          .find((p) => p.type === 'timeZoneName')?.value ?? timeZone);
  return `${w.year}-${two(w.month)}-${two(w.day)} ${two(w.hour)}:${two(w.minute)}:${two(w.second)}${frac} ${name}`;
}

/**
 * A user-given `from`/`to` read in the zone: a date (`2026-03-01`) or a zone-less ISO time
 * (`2026-03-01T06:00`) is wall clock in `timeZone`; anything else (epoch ms, an ISO time with `Z`
 * or an offset) is returned unchanged for the shared parser.
 */
export function zonedQueryTime(value: string, timeZone: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/.exec(value);
  if (!m || timeZone === 'UTC') return value;
  const n = (i: number) => Number(m[i] ?? 0);
  const ms = Number((m[7] ?? '0').padEnd(3, '0'));
  return String(zonedToUtc(timeZone, n(1), n(2), n(3), n(4), n(5), n(6), ms));
}
