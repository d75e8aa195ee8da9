import { WEEKDAYS, activeAt, silencesForDevice, type Silence } from '../../store/index.ts';

type Form = Record<string, string | string[] | undefined>;

const one = (v: string | string[] | undefined): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim();
const many = (v: string | string[] | undefined): string[] => (Array.isArray(v) ? v : v ? [v] : []);
/** A form number: empty stays absent, anything else a number (NaN goes as null and the API names the field). */
const num = (v: string) => (v === '' ? undefined : Number(v));
/** `datetime-local` value read as UTC (the form says so). */
const utcMs = (v: string) => (v === '' ? undefined : Date.parse(`${v}Z`));

/**
 * The `POST /silences` body for the maintenance form. The API validates and names bad fields; this
 * only maps the form's names onto it.
 *
 * | form                                      | body                                                   |
 * |-------------------------------------------|--------------------------------------------------------|
 * | `deviceId` set                            | that device (± `iface`)                                 |
 * | no device, `site` set                     | every device of the site                                |
 * | neither                                   | every device                                            |
 * | `repeat=weekly`                           | `weekly` from days, start, durationMin, timeZone, first/last date |
 * | otherwise (one-off)                       | from `from` (UTC; empty: now) for `hours` (default 1)    |
 */
export function maintenanceBody(b: Form, nowMs: number, createdBy: string): Record<string, unknown> {
  const deviceId = one(b.deviceId) || null;
  const target = {
    deviceId,
    site: deviceId ? null : one(b.site) || null,
    iface: one(b.iface) || null,
    comment: one(b.comment),
    createdBy,
  };
  if (one(b.repeat) === 'weekly') {
    return {
      ...target,
      weekly: {
        days: many(b.days),
        start: one(b.start),
        durationMin: num(one(b.durationMin)),
        timeZone: one(b.timeZone) || 'UTC',
        ...(one(b.firstDate) ? { firstDate: one(b.firstDate) } : {}),
        lastDate: one(b.lastDate) || null,
      },
    };
  }
  const startMs = utcMs(one(b.from)) ?? nowMs;
  const hours = num(one(b.hours)) ?? 1;
  return { ...target, startMs, endMs: startMs + Math.round(hours * 3_600_000) };
}

/** The weekly window in words: `mon, tue 02:00 for 90 min (Europe/Berlin), from 2026-06-01`. */
export function weeklyText(s: Silence): string {
  const w = s.weekly;
  if (!w) return '';
  const days = WEEKDAYS.filter((d) => w.days.includes(d)).join(', ');
  return `${days} ${w.start} for ${w.durationMin} min (${w.timeZone}), from ${w.firstDate}${w.lastDate ? ` to ${w.lastDate}` : ''}`;
}

/** Devices with a maintenance window in force now (device-wide or on one of its links). */
export function inMaintenance(
  silences: readonly Silence[],
  devices: ReadonlyArray<{ id: string; site: string | null }>,
  nowMs: number,
): Set<string> {
  const active = silences.filter((s) => activeAt(s, nowMs));
  const out = new Set<string>();
  if (active.length === 0) return out;
  for (const d of devices) if (silencesForDevice(active, d.id, d.site).length > 0) out.add(d.id);
  return out;
}
