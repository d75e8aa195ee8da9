/**
 * The one reader of the `from`/`to` times users give the API and the CLI (events, uptime reports,
 * `wanwatch uptime --from/--to`). Pure: the current time is passed in. Rules in docs/api.md,
 * "Times in queries".
 */
import { EPOCH_MS_MIN, ProblemError } from '../contract/index.ts';

/** Largest time a JavaScript Date can hold (ms). */
const DATE_MAX_MS = 8.64e15;
const ISO = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * A time as users write it, or undefined when it is none of these:
 *
 * | input                                   | means                                |
 * | --------------------------------------- | ------------------------------------ |
 * | `1767571200000` (digits)                | epoch milliseconds                   |
 * | `2026-01-05`                            | that day, 00:00 UTC                  |
 * | `2026-01-05T01:00:00+01:00`, `…Z`       | that instant                         |
 * | `2026-01-05T00:00`, `2026-01-05 00:00`  | no zone: UTC (seconds optional)      |
 * | anything else (`yesterday`, `5/1/2026`) | undefined                            |
 *
 * Range (not before 2020) is checked by {@link timeRange}, so a caller can say why.
 */
export function parseQueryTime(s: string): number | undefined {
  const t = s.trim();
  if (/^\d{1,16}$/.test(t)) return Number(t);
  const m = ISO.exec(t);
  if (!m) return undefined;
  const [, date, time, zone] = m;
  const z = zone === undefined ? 'Z' : zone.toUpperCase() === 'Z' ? 'Z' : zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(time === undefined ? `${date}T00:00:00Z` : `${date}T${time}${z}`);
  // Date.parse rolls 2026-02-30 over to March; a date that does not exist is refused instead.
  if (!Number.isFinite(ms) || new Date(ms + offsetMs(z)).toISOString().slice(0, 10) !== date) return undefined;
  return ms;
}

function offsetMs(zone: string): number {
  if (zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const [h, mi] = zone.slice(1).split(':').map(Number);
  return sign * ((h ?? 0) * 60 + (mi ?? 0)) * 60_000;
}

export interface TimeRangeRule {
  nowMs: number;
  /** `from` when absent: this long before `to`. */
  defaultSpanMs: number;
  /** Longest `to − from` a request may ask for (absent: no limit). */
  maxSpanMs?: number;
}

/**
 * `from`/`to` of a query (absent or empty = default: `to` = now, `from` = `to` − defaultSpanMs),
 * with the same rules everywhere:
 *
 * | case                                      | answer                                   |
 * | ----------------------------------------- | ---------------------------------------- |
 * | not a time (see parseQueryTime)           | invalid_query, path `from`/`to`          |
 * | before 2020-01-01 (e.g. epoch *seconds*)  | invalid_query, path `from`/`to`          |
 * | given twice (`?to=1&to=2`)                | invalid_query, path `from`/`to`          |
 * | `from` not before `to`                    | invalid_query, path `from`               |
 * | longer than maxSpanMs                     | invalid_query, path `to`                 |
 * | else                                      | `{ fromMs, toMs }`, the period [from, to) |
 */
export function timeRange(
  query: { from?: unknown; to?: unknown },
  rule: TimeRangeRule,
): { fromMs: number; toMs: number } {
  const toMs = oneTime('to', query.to) ?? rule.nowMs;
  const fromMs = oneTime('from', query.from) ?? toMs - rule.defaultSpanMs;
  if (fromMs >= toMs)
    throw new ProblemError('invalid_query', 'from must be before to', [{ path: 'from', message: 'not before to' }]);
  if (rule.maxSpanMs !== undefined && toMs - fromMs > rule.maxSpanMs) {
    throw new ProblemError('invalid_query', `the period may be at most ${rule.maxSpanMs / 86_400_000} days`, [
      { path: 'to', message: 'period too long' },
    ]);
  }
  return { fromMs, toMs };
}

function oneTime(name: 'from' | 'to', v: unknown): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string')
    throw new ProblemError('invalid_query', `${name} must be given once`, [
      { path: name, message: 'given more than once' },
    ]);
  const ms = parseQueryTime(v);
  if (ms === undefined || ms < EPOCH_MS_MIN || ms > DATE_MAX_MS) {
    const hint =
      ms !== undefined && ms < EPOCH_MS_MIN && ms * 1000 >= EPOCH_MS_MIN ? ' (epoch seconds? give milliseconds)' : '';
    throw new ProblemError(
      'invalid_query',
      `${name}: expected epoch milliseconds, an ISO 8601 time or a date, from 2020-01-01 on; got "${v.slice(0, 60)}"${hint}`,
      [{ path: name, message: 'not a time' }],
    );
  }
  return ms;
}
