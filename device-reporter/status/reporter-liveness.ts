import type { StatusCounters, StatusFileV1 } from './status-file.ts';

/** How many missed rewrites make a status file stale. */
export const STALE_AFTER_WRITES = 3;
/** Used when the file does not say how often it is rewritten. */
export const DEFAULT_WRITE_EVERY_MS = 10_000;

export type ReporterLiveness =
  | { kind: 'live'; pid?: number; ageS: number }
  | { kind: 'stale'; pid?: number; ageS: number }
  | { kind: 'not-running'; why: 'no status file' | 'stopped' | 'process gone'; ageS?: number; pid?: number };

/**
 * Whether the status file shows a live reporter. `alive(pid)` asks the OS (signal 0); age is
 * now − the file's `timeMs`; the limit is `STALE_AFTER_WRITES` × `writeEveryMs` (+1 s slack):
 *
 * | status file | stoppedMs | pid        | age          | verdict                    |
 * |-------------|-----------|------------|--------------|----------------------------|
 * | none        | —         | —          | —            | not running (no status file) |
 * | yes         | set       | any        | any          | not running (stopped)      |
 * | yes         | —         | not alive  | any          | not running (process gone) |
 * | yes         | —         | alive/none | > limit      | stale                      |
 * | yes         | —         | alive/none | ≤ limit      | live                       |
 */
export function judgeReporterLiveness(
  file: StatusFileV1 | undefined,
  nowMs: number,
  alive: (pid: number) => boolean,
): ReporterLiveness {
  if (!file) return { kind: 'not-running', why: 'no status file' };
  const ageS = Math.max(0, Math.round((nowMs - file.timeMs) / 1000));
  const pid = file.pid !== undefined ? { pid: file.pid } : {};
  if (file.stoppedMs !== undefined) return { kind: 'not-running', why: 'stopped', ageS, ...pid };
  if (file.pid !== undefined && !alive(file.pid)) return { kind: 'not-running', why: 'process gone', ageS, ...pid };
  const limitMs = STALE_AFTER_WRITES * (file.writeEveryMs ?? DEFAULT_WRITE_EVERY_MS) + 1_000;
  return nowMs - file.timeMs > limitMs ? { kind: 'stale', ageS, ...pid } : { kind: 'live', ageS, ...pid };
}

/** The plain sentence `status` prints first. */
export function livenessLine(l: ReporterLiveness): string {
  if (l.kind === 'live')
    return `Reporter: running${l.pid !== undefined ? ` (pid ${l.pid})` : ''}, last update ${l.ageS} s ago`;
  if (l.kind === 'stale')
    return `Reporter: state is stale (last update ${l.ageS} s ago)${l.pid !== undefined ? `; pid ${l.pid} still exists but does not update` : ''}; states shown as unknown`;
  if (l.why === 'no status file') return 'Reporter: no reporter running (no status file); states unknown';
  if (l.why === 'stopped') return `Reporter: no reporter running (stopped cleanly ${l.ageS} s ago); states unknown`;
  return `Reporter: no reporter running (pid ${l.pid} gone; last update ${l.ageS} s ago); states unknown`;
}

/** Counters as one line (`pending` includes what earlier runs left in the spool). */
export function countersLine(c: StatusCounters): string {
  return `Records since start: recorded ${c.recorded}, uploaded ${c.uploaded}, pending ${c.pending}, dropped ${c.dropped}${(c.thinned ?? 0) > 0 ? `, thinned ${c.thinned}` : ''}`;
}
