import { z } from 'zod';
import { parseReportSchedule, reportScheduleSchema, type ReportSchedule } from '../reports/index.ts';

/** Value rules shared by rows of the settings table (settings.ts). */

/** An integer in [min, max] (milliseconds, bytes or a count). */
export const int = (min: number, max: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int('must be an integer')
    .min(min, `must be from ${min} to ${max}`)
    .max(max, `must be from ${min} to ${max}`);

export const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL (${protocols.map((p) => p + '//').join(' or ')}...)` },
  );

/**
 * Why an admin token is refused, or undefined when it is fine: at least 16 characters, no
 * whitespace or control characters (a bearer token cannot carry them, and a token of spaces is
 * no secret).
 */
export function adminTokenProblem(token: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(token))
    return 'WANWATCH_ADMIN_TOKEN must not contain spaces or control characters';
  if (token.length < 16) return 'WANWATCH_ADMIN_TOKEN must be at least 16 characters';
  return undefined;
}

/** `off`, `weekly`, `monthly`, `weekly,monthly` (also `default`), or a JSON ReportSchedule. */
export function parseReportScheduleSetting(spec: string): ReportSchedule {
  const s = spec.trim();
  return s.startsWith('{')
    ? reportScheduleSchema.parse(JSON.parse(s))
    : parseReportSchedule(s === 'default' ? 'weekly,monthly' : s);
}

export const viewerTokens = z
  .string()
  .transform((v) => v.split(',').filter(Boolean))
  .refine((l) => !l.some((t) => adminTokenProblem(t)), 'each token needs 16+ characters, no spaces');
export const REPORT_SCHEDULE_FORMS = 'off (the default), weekly, monthly, weekly,monthly or a JSON report schedule';
