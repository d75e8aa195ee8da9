import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ProblemError } from '../contract/index.ts';
import { isTimeZone, localDate, weeklyBounds, weeklyWindowSchema, type Silence } from '../store/index.ts';

/** `POST /silences` body: a one-off window (startMs/endMs) or a weekly one (`weekly`), for a device, a site or every device. */
export const createSilenceSchema = z.strictObject({
  deviceId: z.string().min(1).max(64).nullable().optional(),
  /** Every device of this site (with no deviceId). */
  site: z.string().min(1).max(128).nullable().optional(),
  iface: z.string().min(1).max(128).nullable().optional(),
  /** One-off: default now. */
  startMs: z.number().int().nonnegative().optional(),
  /** One-off: required. */
  endMs: z.number().int().positive().optional(),
  /** Weekly instead of one-off; firstDate defaults to today in its zone. */
  weekly: weeklyWindowSchema
    .extend({
      firstDate: weeklyWindowSchema.shape.firstDate.optional(),
      lastDate: weeklyWindowSchema.shape.lastDate.optional(),
    })
    .optional(),
  comment: z.string().max(500).optional(),
  createdBy: z.string().max(100).optional(),
});
type CreateSilence = z.infer<typeof createSilenceSchema>;

const bad = (path: string, message: string) =>
  new ProblemError('validation_failed', `invalid silence: ${path} ${message}`, [{ path, message }]);

const validDate = (d: string) => new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d;

/**
 * A silence from a validated body, or a `validation_failed` problem naming the bad field.
 *
 * | body                                   | answer                                   |
 * |----------------------------------------|------------------------------------------|
 * | `weekly` and `startMs`/`endMs`         | refused (`weekly`): one or the other      |
 * | no `weekly`, no `endMs`                | refused (`endMs`)                          |
 * | `endMs` ≤ start                        | refused (`endMs`)                          |
 * | `iface` without `deviceId`             | refused (`iface`)                          |
 * | `deviceId` and `site`                  | refused (`site`)                           |
 * | unknown zone / impossible date / last < first | refused (`weekly.timeZone` / `weekly.firstDate` / `weekly.lastDate`) |
 */
export function newSilence(b: CreateSilence, nowMs: number): Silence {
  if ((b.deviceId ?? null) === null && (b.iface ?? null) !== null)
    throw bad('iface', 'a silence by interface must name its deviceId');
  if ((b.deviceId ?? null) !== null && (b.site ?? null) !== null)
    throw bad('site', 'a silence names a deviceId or a site, not both');
  const base = {
    v: 2 as const,
    id: `sil-${randomUUID()}`,
    deviceId: b.deviceId ?? null,
    site: b.site ?? null,
    iface: b.iface ?? null,
    comment: b.comment ?? '',
    createdBy: b.createdBy ?? 'admin',
    createdAtMs: nowMs,
  };
  if (b.weekly) {
    if (b.startMs !== undefined || b.endMs !== undefined)
      throw bad('weekly', 'a weekly window has no startMs/endMs (use weekly.firstDate/lastDate)');
    const w = b.weekly;
    if (!isTimeZone(w.timeZone)) throw bad('weekly.timeZone', `unknown IANA time zone ${JSON.stringify(w.timeZone)}`);
    const firstDate = w.firstDate ?? localDate(w.timeZone, nowMs);
    if (!validDate(firstDate)) throw bad('weekly.firstDate', 'not a calendar date');
    const lastDate = w.lastDate ?? null;
    if (lastDate !== null && !validDate(lastDate)) throw bad('weekly.lastDate', 'not a calendar date');
    if (lastDate !== null && lastDate < firstDate) throw bad('weekly.lastDate', 'must not be before firstDate');
    const weekly = { ...w, days: [...new Set(w.days)], firstDate, lastDate };
    return { ...base, ...weeklyBounds(weekly), weekly };
  }
  if (b.endMs === undefined) throw bad('endMs', 'a one-off silence needs endMs (or give weekly)');
  const startMs = b.startMs ?? nowMs;
  if (b.endMs <= startMs) throw bad('endMs', 'must be after startMs');
  return { ...base, startMs, endMs: b.endMs, weekly: null };
}
