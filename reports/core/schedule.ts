import { lastFullPeriod } from './zoned-time.ts';

/**
 * Which period a scheduled report covers, from the time its job fires (pure; on the calendar of
 * the device's or site's IANA zone, UTC by default).
 *
 * | period  | covers                                                     |
 * |---------|------------------------------------------------------------|
 * | `week`  | the last full ISO week: Monday 00:00 … next Monday 00:00   |
 * | `month` | the last full calendar month                               |
 * | `last`  | [now − lengthMs, now) — for short test or custom schedules |
 */
export type ReportPeriodKind = 'week' | 'month' | 'last';

export function reportPeriod(
  kind: ReportPeriodKind,
  nowMs: number,
  lengthMs = 7 * 86_400_000,
  timeZone = 'UTC',
): { fromMs: number; toMs: number } {
  if (kind === 'month' || kind === 'week') return lastFullPeriod(kind, nowMs, timeZone);
  return { fromMs: nowMs - lengthMs, toMs: nowMs };
}

/**
 * A stable per-run key: the same device and period always give the same job id and Message-ID.
 * No `:` (BullMQ 6 refuses custom job ids with other than two colons; device ids may contain `:`,
 * so the id is percent-encoded) and never an integer string.
 */
export function reportRunKey(
  audience: 'device' | 'fleet',
  kind: ReportPeriodKind,
  fromMs: number,
  deviceId?: string,
): string {
  return `uptime.${audience}.${kind}.${fromMs}${deviceId ? `.${encodeURIComponent(deviceId)}` : ''}`;
}
