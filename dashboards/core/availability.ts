import { STATE_CODE } from '../../contract/index.ts';
import { M, RP, TAG, TRANSITION_FIELDS as TR } from '../../store/index.ts';
import { from, ident, stringLit } from './influxql.ts';

/**
 * Link availability in InfluxQL with the uptime report's definition (docs/reports.md, "Rules": what
 * each state counts as; reports/core/link-timeline.ts `changePoints`): time-weighted over the
 * transitions in `wan_transition` (RP forever), online ÷ (online + offline), per interface, over
 * the dashboard's time range [`${__from}`, `${__to}`].
 *
 * Each transition becomes a point with two 0/1 fields, `on` (counts online) and `known` (counts
 * online or offline), chosen by the first matching row:
 *
 * | transition                                 | on   | known | report bucket |
 * |--------------------------------------------|------|-------|---------------|
 * | reason `stop`                              | 0    | 0     | unknown       |
 * | reason `start` from `online`               | 1    | 1     | online (carried) |
 * | reason `start` from `offline`              | 0    | 1     | offline (carried) |
 * | to `online`                                | 1    | 1     | online        |
 * | to `offline`, `connecting`                 | 0    | 1     | offline       |
 * | to `disabled`, `unknown`                   | 0    | 0     | unknown       |
 * | to `disconnecting`                         | —    | 1     | online after online, else offline |
 *
 * `disconnecting` leaves `on` empty, so the previous point's `on` carries on: online after an
 * online stretch, offline after anything else — the report's `isRouted` rule. A stretch before
 * the first transition has no point and counts as neither.
 *
 * InfluxQL has no step integral, so the time each field is 1 comes from per-point terms: the
 * previous value times the time since it, `(moving_average(v, 2) - difference(v) / 2) *
 * elapsed(v)`. G(X) = the sum of these terms over every point in [X − 20000 d, X) plus a closing
 * point at X (a `GROUP BY time(20000d, Xms)` bucket, whose earlier bucket row is 0 and so adds
 * nothing) is the time the field was 1 from the first transition up to X; the range's figure is
 * G(to) − G(from). Only the dashboard-level `${__from}`/`${__to}` can place that closing point,
 * which is why the panel follows the dashboard's time range rather than a relative time of its own.
 */
export function availabilityQuery(deviceCondition: string): string {
  const t = from(RP.forever, M.transition);
  const f = (name: string) => ident(name);
  const is = (field: string, value: string) => `${f(field)} = ${stringLit(value)}`;
  const isNot = (field: string, value: string) => `${f(field)} != ${stringLit(value)}`;
  const byIface = `GROUP BY ${ident(TAG.iface)}`;
  const one = `${f(TR.seq)} * 0 + 1`;
  const zero = `${f(TR.seq)} * 0`;
  // Rows not caught by stop/carried start: classified by their `to`.
  const byTo = `${isNot(TR.reason, 'stop')} AND (${isNot(TR.reason, 'start')} OR (${isNot(TR.from, 'online')} AND ${isNot(TR.from, 'offline')}))`;
  // to_code & 4 is 4 exactly for disabled (4) and unknown (5): the codes that count as unknown.
  const unknownBit = STATE_CODE.disabled & STATE_CODE.unknown;
  const points = [
    `SELECT ${zero} AS "on", ${zero} AS "known" FROM ${t} WHERE ${deviceCondition} AND ${is(TR.reason, 'stop')} ${byIface}`,
    `SELECT ${one} AS "on", ${one} AS "known" FROM ${t} WHERE ${deviceCondition} AND ${is(TR.reason, 'start')} AND ${is(TR.from, 'online')} ${byIface}`,
    `SELECT ${zero} AS "on", ${one} AS "known" FROM ${t} WHERE ${deviceCondition} AND ${is(TR.reason, 'start')} AND ${is(TR.from, 'offline')} ${byIface}`,
    `SELECT ${f(TR.up)} AS "on", 1 - (${f(TR.toCode)} & ${unknownBit}) / ${unknownBit} AS "known" FROM ${t} WHERE ${deviceCondition} AND ${byTo} AND ${isNot(TR.to, 'disconnecting')} ${byIface}`,
    `SELECT ${one} AS "known" FROM ${t} WHERE ${deviceCondition} AND ${byTo} AND ${is(TR.to, 'disconnecting')} ${byIface}`,
  ]
    .map((s) => `(${s})`)
    .join(', ');
  const LOOKBACK = '20000d';
  /** Per-point "previous value × time since it" for both fields, up to X, with sign +1 (to) or −1 (from). */
  const terms = (x: string, sign: string) => {
    const range = `time >= ${x}ms - ${LOOKBACK}`;
    const closing = `SELECT count(${f(TR.seq)}) * 0 AS "on", count(${f(TR.seq)}) * 0 AS "known" FROM ${t} WHERE ${deviceCondition} AND ${range} AND time <= ${x}ms GROUP BY time(${LOOKBACK}, ${x}ms), ${ident(TAG.iface)} fill(0)`;
    const upTo = `SELECT "on", "known" FROM ${points} WHERE ${range} AND time < ${x}ms ${byIface}`;
    const step = (v: string) => `${sign} * (moving_average("${v}", 2) - difference("${v}") / 2) * elapsed("${v}", 1ms)`;
    // The extra SELECT merges the two sources in time order; transformations over a bare union
    // would see them one after the other.
    const merged = `SELECT "on", "known" FROM (${upTo}), (${closing}) ${byIface}`;
    return `SELECT ${step('on')} AS "on_ms", ${step('known')} AS "known_ms" FROM (${merged}) ${byIface}`;
  };
  return `SELECT 100 * sum("on_ms") / sum("known_ms") AS "availability" FROM (${terms('${__to}', '1')}), (${terms('${__from}', '-1')}) ${byIface}`;
}
