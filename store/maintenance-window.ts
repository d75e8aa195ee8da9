import { WEEKDAYS, type Silence, type WeeklyWindow } from './redis-keys.ts';

/**
 * When a maintenance window (a silence) is in force: one pure answer used by alerting (incidents
 * inside are recorded, not emailed) and by reports (the time counts as maintenance), so both agree.
 * Local times are resolved with Intl in the window's IANA zone; no clock is read here.
 */

/** The latest instant a Date can hold: the end of a weekly window without a last date. */
export const MAX_WINDOW_MS = 8_640_000_000_000_000;

export interface Interval {
  startMs: number;
  endMs: number;
}

const DAY_MS = 86_400_000;
/** The most local days one question looks at (about 20 years). */
const MAX_SPAN_DAYS = 7_305;
const offsetFormats = new Map<string, Intl.DateTimeFormat>();

function formatIn(timeZone: string): Intl.DateTimeFormat {
  let f = offsetFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    offsetFormats.set(timeZone, f);
  }
  return f;
}

/** True for a zone name Intl knows (`Europe/Berlin`, `UTC`). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatIn(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock of `timeZone` at `tMs`, read as if it were UTC (ms). */
function wallMs(timeZone: string, tMs: number): number {
  const p = new Map(
    formatIn(timeZone)
      .formatToParts(new Date(tMs))
      .map((x) => [x.type, Number(x.value)]),
  );
  return Date.UTC(
    p.get('year')!,
    p.get('month')! - 1,
    p.get('day')!,
    p.get('hour')!,
    p.get('minute')!,
    p.get('second')!,
  );
}

const offsetMs = (timeZone: string, tMs: number) => wallMs(timeZone, tMs) - Math.floor(tMs / 1000) * 1000;

/**
 * The instant a local wall-clock time happens in `timeZone` (`wall` is that time read as UTC).
 *
 * | the local time …                                   | answer                                  |
 * |----------------------------------------------------|-----------------------------------------|
 * | exists once                                        | that instant                            |
 * | exists twice (clocks go back: 02:30 on fall-back)  | the earlier one (first pass)            |
 * | does not exist (clocks go forward: 02:30 skipped)  | as far after the gap as it was into it (03:30) |
 */
export function localToUtcMs(timeZone: string, wall: number): number {
  const before = wall - offsetMs(timeZone, wall - DAY_MS);
  const after = wall - offsetMs(timeZone, wall + DAY_MS);
  const valid = [before, after].filter((t) => wallMs(timeZone, t) === wall);
  return valid.length > 0 ? Math.min(...valid) : before;
}

const parseDate = (d: string) => Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)));
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The local date (`YYYY-MM-DD`) in `timeZone` at `tMs`. */
export function localDate(timeZone: string, tMs: number): string {
  return new Date(wallMs(timeZone, tMs)).toISOString().slice(0, 10);
}

/** Occurrences of a weekly window that start on local dates from `firstDay` to `lastDay` (wall ms at 00:00). */
function occurrences(w: WeeklyWindow, firstDay: number, lastDay: number): Interval[] {
  const days = new Set(w.days);
  const from = Math.max(firstDay, parseDate(w.firstDate));
  // Bounded: no period anyone reports on spans more than MAX_SPAN_DAYS of occurrences.
  const to = Math.min(
    w.lastDate === null ? lastDay : Math.min(lastDay, parseDate(w.lastDate)),
    from + MAX_SPAN_DAYS * DAY_MS,
  );
  const out: Interval[] = [];
  for (let day = from; day <= to; day += DAY_MS) {
    if (!days.has(WEEKDAYS[new Date(day).getUTCDay()]!)) continue;
    const startMs = localToUtcMs(w.timeZone, day + minutesOf(w.start) * 60_000);
    out.push({ startMs, endMs: startMs + w.durationMin * 60_000 });
  }
  return out;
}

function merge(sorted: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out.at(-1);
    if (last && i.startMs <= last.endMs) last.endMs = Math.max(last.endMs, i.endMs);
    else out.push({ ...i });
  }
  return out;
}

/**
 * The parts of [fromMs, toMs) the silence is in force, sorted, disjoint, non-empty.
 *
 * | silence                      | in force                                                        |
 * |------------------------------|-----------------------------------------------------------------|
 * | one-off (`weekly` null)      | [startMs, endMs)                                                |
 * | weekly                       | every [start, start + durationMin) whose start is `start` local time on a listed day, on or after `firstDate` and (if set) on or before `lastDate`; a window may cross midnight and the week's end; overlapping windows merge |
 *
 * Durations are elapsed time: a 3 h window over a DST change lasts 3 h, ending an hour later or
 * earlier on the wall clock. Local starts that fall in a DST gap or overlap: see localToUtcMs.
 */
export function intervals(s: Pick<Silence, 'startMs' | 'endMs' | 'weekly'>, fromMs: number, toMs: number): Interval[] {
  const clip = (i: Interval): Interval => ({ startMs: Math.max(i.startMs, fromMs), endMs: Math.min(i.endMs, toMs) });
  if (!(fromMs < toMs)) return [];
  if (s.weekly === null) {
    const i = clip(s);
    return i.startMs < i.endMs ? [i] : [];
  }
  const w = s.weekly;
  // An occurrence that starts up to its duration (plus a day for zone offsets) before fromMs may reach into it.
  const firstDay = parseDate(localDate(w.timeZone, Math.max(fromMs - w.durationMin * 60_000, -MAX_WINDOW_MS))) - DAY_MS;
  const lastDay = parseDate(localDate(w.timeZone, Math.min(toMs, MAX_WINDOW_MS))) + DAY_MS;
  return merge(occurrences(w, firstDay, lastDay))
    .map(clip)
    .filter((i) => i.startMs < i.endMs);
}

/** True when the silence is in force at `tMs` (the instant itself; windows are [start, end)). */
export function activeAt(s: Pick<Silence, 'startMs' | 'endMs' | 'weekly'>, tMs: number): boolean {
  return intervals(s, tMs, tMs + 1).length > 0;
}

/**
 * The bounds of all occurrences of a weekly window: from 00:00 local on its first date to the end
 * of the last occurrence that can start on its last date (MAX_WINDOW_MS without one).
 */
export function weeklyBounds(w: WeeklyWindow): Interval {
  const startMs = localToUtcMs(w.timeZone, parseDate(w.firstDate));
  if (w.lastDate === null) return { startMs, endMs: MAX_WINDOW_MS };
  const lastStart = localToUtcMs(w.timeZone, parseDate(w.lastDate) + minutesOf(w.start) * 60_000);
  return { startMs, endMs: lastStart + w.durationMin * 60_000 };
}

/**
 * The silences that apply to one device; a site's silence comes back naming the device, so a
 * reader that matches by deviceId (alerting's findSilence) needs no site.
 *
 * | silence names …              | applies to the device when                  |
 * |------------------------------|---------------------------------------------|
 * | a device (± an interface)    | it is that device                           |
 * | a site                       | the device's site is that site (exact)      |
 * | neither                      | always (every device)                       |
 */
export function silencesForDevice(all: readonly Silence[], deviceId: string, site: string | null): Silence[] {
  return all.flatMap((s) => {
    if (s.deviceId !== null) return s.deviceId === deviceId ? [s] : [];
    if (s.site === null) return [s];
    return site !== null && s.site === site ? [{ ...s, deviceId }] : [];
  });
}
