/**
 * Which period a scheduled report covers, from the time its job fires (pure; UTC calendar).
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
): { fromMs: number; toMs: number } {
  const d = new Date(nowMs);
  if (kind === 'month') {
    const toMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    return { fromMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1), toMs };
  }
  if (kind === 'week') {
    const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    const sinceMonday = (d.getUTCDay() + 6) % 7;
    const toMs = midnight - sinceMonday * 86_400_000;
    return { fromMs: toMs - 7 * 86_400_000, toMs };
  }
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
