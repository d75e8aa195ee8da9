import { z } from 'zod';
import { EPOCH_MS_MIN, ProblemError } from '../contract/index.ts';

export const DAY_MS = 86_400_000;
/** Longest period one report may cover (bounds the work of one request). */
export const MAX_PERIOD_MS = 400 * DAY_MS;
export const DEFAULT_PERIOD_MS = 7 * DAY_MS;

/**
 * A time as users write it: epoch milliseconds (`1767571200000`), an ISO 8601 / RFC 3339 time
 * (`2026-01-05T00:00:00Z`) or a date (`2026-01-05`, midnight UTC). Returns undefined when it is neither.
 */
export function parseTime(s: string): number | undefined {
  const t = s.trim();
  if (/^\d{10,16}$/.test(t)) return Number(t);
  if (!/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(t)) return undefined;
  const withZone = /^\d{4}-\d{2}-\d{2}$/.test(t) || /(Z|[+-]\d{2}:?\d{2})$/.test(t) ? t : `${t}Z`;
  const ms = Date.parse(withZone.replace(' ', 'T'));
  return Number.isFinite(ms) ? ms : undefined;
}

export const REPORT_FORMATS = ['json', 'csv', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const querySchema = z.strictObject({
  from: z.string().optional(),
  to: z.string().optional(),
  format: z.enum(REPORT_FORMATS).optional(),
});

export interface PeriodQuery {
  fromMs: number;
  toMs: number;
  format: ReportFormat;
}

/**
 * `from`/`to`/`format` of a request, validated; defaults: to = now, from = to − 7 days, json.
 * Throws ProblemError('invalid_query') naming the bad parameter.
 */
export function parsePeriodQuery(query: unknown, nowMs: number): PeriodQuery {
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
  const time = (name: 'from' | 'to', v: string | undefined, dflt: number) => {
    if (v === undefined || v === '') return dflt;
    const ms = parseTime(v);
    if (ms === undefined || ms < EPOCH_MS_MIN) {
      throw new ProblemError(
        'invalid_query',
        `${name}: expected epoch milliseconds or an ISO 8601 time after 2020-01-01, got "${v}"`,
        [{ path: name, message: 'not a time' }],
      );
    }
    return ms;
  };
  const toMs = time('to', q.data.to, nowMs);
  const fromMs = time('from', q.data.from, toMs - DEFAULT_PERIOD_MS);
  if (fromMs >= toMs)
    throw new ProblemError('invalid_query', `from must be before to`, [{ path: 'from', message: 'not before to' }]);
  if (toMs - fromMs > MAX_PERIOD_MS) {
    throw new ProblemError('invalid_query', `the period may be at most ${MAX_PERIOD_MS / DAY_MS} days`, [
      { path: 'to', message: 'period too long' },
    ]);
  }
  return { fromMs, toMs, format: q.data.format ?? 'json' };
}
