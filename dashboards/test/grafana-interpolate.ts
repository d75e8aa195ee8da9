/**
 * Substitutes Grafana's macros and template variables into raw InfluxQL the way Grafana's InfluxDB
 * datasource does before sending a query, so the tests run exactly what a browser would run:
 * - `$timeFilter` -> `time >= <from>ms and time <= <to>ms`
 * - `${__from}` / `${__to}` -> the dashboard's range in epoch milliseconds (dashboard level: a panel's
 *   relative time does not change them)
 * - `$__interval` -> the rounded interval (`10s`, `1m`, ...), `$__interval_ms` -> its milliseconds
 * - `${v:regex}` -> the value regex-escaped (several: `(a|b)`), `${v:raw}` -> the value as is
 * - a multi-value / include-All variable -> `(a|b)` with each value regex-escaped (used as `/^$v$/`),
 *   a single value -> the value as is.
 */
export interface InterpolateOptions {
  fromMs: number;
  toMs: number;
  /** The dashboard's range when a panel overrides it (relative time); defaults to fromMs/toMs. */
  dashboardFromMs?: number;
  dashboardToMs?: number;
  /** Grafana's maxDataPoints (the panel's pixel width by default). */
  maxDataPoints?: number;
  /** The datasource's minimum interval (jsonData.timeInterval). */
  minIntervalMs?: number;
  vars?: Record<string, { values: string[]; multi: boolean }>;
}

/** kbn.roundInterval's steps, simplified: the smallest "nice" interval not below the raw one. */
const NICE_MS = [
  1, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 20_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  900_000, 1_200_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
];

export function grafanaInterval(
  fromMs: number,
  toMs: number,
  maxDataPoints = 1000,
  minIntervalMs = 10_000,
): { text: string; ms: number } {
  const raw = Math.max((toMs - fromMs) / maxDataPoints, minIntervalMs);
  const ms = NICE_MS.find((n) => n >= raw) ?? 86_400_000 * 7;
  const text =
    ms % 86_400_000 === 0
      ? `${ms / 86_400_000}d`
      : ms % 3_600_000 === 0
        ? `${ms / 3_600_000}h`
        : ms % 60_000 === 0
          ? `${ms / 60_000}m`
          : ms % 1000 === 0
            ? `${ms / 1000}s`
            : `${ms}ms`;
  return { text, ms };
}

const escapeRegex = (v: string) => v.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');

export function interpolate(query: string, o: InterpolateOptions): string {
  const iv = grafanaInterval(o.fromMs, o.toMs, o.maxDataPoints, o.minIntervalMs);
  let out = query
    .replaceAll('$timeFilter', `time >= ${o.fromMs}ms and time <= ${o.toMs}ms`)
    .replace(/\$\{__from\}|\$__from\b/g, String(o.dashboardFromMs ?? o.fromMs))
    .replace(/\$\{__to\}|\$__to\b/g, String(o.dashboardToMs ?? o.toMs))
    .replaceAll('$__interval_ms', String(iv.ms))
    .replaceAll('$__interval', iv.text);
  for (const [name, v] of Object.entries(o.vars ?? {})) {
    // `${name:regex}`: escaped for a regex whatever the variable (one value, or `(a|b)`);
    // `${name:raw}`: the value(s) as they are, comma-joined.
    out = out.replace(new RegExp(`\\$\\{${name}:(regex|raw)\\}`, 'g'), (_m, fmt: string) =>
      fmt === 'raw'
        ? v.values.join(',')
        : v.values.length === 1
          ? escapeRegex(v.values[0]!)
          : `(${v.values.map(escapeRegex).join('|')})`,
    );
    const value = v.multi ? `(${v.values.map(escapeRegex).join('|')})` : (v.values[0] ?? '');
    out = out.replace(new RegExp(`\\$(?:\\{${name}\\}|${name}\\b)`, 'g'), () => value);
  }
  return out;
}
