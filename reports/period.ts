import { z } from 'zod';
import { ProblemError } from '../contract/index.ts';
import { timeRange } from '../store/query-time.ts';
import { isTimeZone, zonedQueryTime } from './core/zoned-time.ts';

export const DAY_MS = 86_400_000;
/** Longest period one report may cover (bounds the work of one request). */
export const MAX_PERIOD_MS = 400 * DAY_MS;
export const DEFAULT_PERIOD_MS = 7 * DAY_MS;

/** The one parser of user-given times (docs/api.md, "Times in queries"). */
export { parseQueryTime as parseTime } from '../store/query-time.ts';

export const REPORT_FORMATS = ['json', 'csv', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const querySchema = z.strictObject({
  from: z.string().optional(),
  to: z.string().optional(),
  format: z.enum(REPORT_FORMATS).optional(),
  tz: z.string().max(64).refine(isTimeZone, { message: 'not an IANA time zone' }).optional(),
});

export interface PeriodQuery {
  fromMs: number;
  toMs: number;
  format: ReportFormat;
  /** The `tz` parameter when given (else the device's or site's zone applies). */
  timeZone: string | undefined;
}

/**
 * `from`/`to`/`format`/`tz` of a request, validated; defaults: to = now, from = to − 7 days, json.
 * A date or zone-less time in `from`/`to` is wall clock in `tz`, else in `defaultTimeZone` (the
 * device's or site's zone). Throws ProblemError('invalid_query') naming the bad parameter.
 */
export function parsePeriodQuery(query: unknown, nowMs: number, defaultTimeZone = 'UTC'): PeriodQuery {
  const q = querySchema.safeParse(query);
  if (!q.success) {
    const errors = q.error.issues.map((i) => ({
      path: i.path.map(String).join('.') || String((i as { keys?: string[] }).keys ?? '(query)'),
      message: i.message,
    }));
    throw new ProblemError(
      'invalid_query',
      `bad query: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
      errors,
    );
  }
  const zone = q.data.tz ?? defaultTimeZone;
  const zoned = {
    ...(q.data.from === undefined ? {} : { from: zonedQueryTime(q.data.from, zone) }),
    ...(q.data.to === undefined ? {} : { to: zonedQueryTime(q.data.to, zone) }),
  };
  const { fromMs, toMs } = timeRange(zoned, { nowMs, defaultSpanMs: DEFAULT_PERIOD_MS, maxSpanMs: MAX_PERIOD_MS });
  return { fromMs, toMs, format: q.data.format ?? 'json', timeZone: q.data.tz };
}
