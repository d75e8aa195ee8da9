import {
  M,
  RP,
  IFACE_FIELDS as F,
  TARGET_FIELDS as T,
  POLICY_MEMBER_FIELDS as PM,
  DEVICE_INFO_FIELDS as DI,
  TAG,
} from '../../store/index.ts';
import { from, ident, tagLit } from './influxql.ts';
import { availabilityQuery } from './availability.ts';
import { incidentsAnnotationQuery } from './incidents.ts';

/** Which device a dashboard shows: one fixed id (per-device dashboards) or the `$device` variable. */
export type DeviceScope = { kind: 'device'; id: string } | { kind: 'template' };

/** `${name:regex}`: Grafana escapes the value(s) for a regex itself, also for a single value. */
const varRegex = (name: string) => `/^\${${name}:regex}$/`;

/**
 * Latency, loss and jitter read the RP chosen in `$rp` (raw rounds, 30 d, or the 1-minute rollup,
 * 400 d); the regex names both measurements, and each RP holds only its own one, whose latency,
 * loss and jitter fields have the same names.
 */
const rpSource = (raw: string, rollup: string) => `"\${rp:raw}"./^(${raw}|${rollup})$/`;

/** The InfluxQL of every panel, as pure functions of the scope, so tests can run them one by one. */
export type DeviceQueries = ReturnType<typeof deviceQueries>;

export function deviceQueries(scope: string | DeviceScope) {
  const s: DeviceScope = typeof scope === 'string' ? { kind: 'device', id: scope } : scope;
  const dev =
    s.kind === 'device' ? `${ident(TAG.device)} = ${tagLit(s.id)}` : `${ident(TAG.device)} =~ ${varRegex('device')}`;
  /** One interface by name, or (null) the repeated row's `$iface`. */
  const ifaceIs = (iface: string | null) =>
    iface === null ? `${ident(TAG.iface)} =~ ${varRegex('iface')}` : `${ident(TAG.iface)} = ${tagLit(iface)}`;
  const ifaceVar = `${ident(TAG.iface)} =~ ${varRegex('iface')}`;
  const bucket = 'GROUP BY time($__interval)';
  const ifaceSrc = rpSource(M.iface, M.ifaceRollup);
  const targetSrc = rpSource(M.target, M.targetRollup);
  return {
    ifaceVariable: `SHOW TAG VALUES FROM ${from(RP.raw, M.iface)} WITH KEY = ${ident(TAG.iface)} WHERE ${dev}`,
    deviceInfo: `SELECT last(${ident(DI.name)}) AS "name", last(${ident(DI.site)}) AS "site" FROM ${from(RP.forever, M.deviceInfo)} WHERE ${dev}`,
    stateTimeline: `SELECT last(${ident(F.stateCode)}) FROM ${from(RP.raw, M.iface)} WHERE ${dev} AND ${ifaceVar} AND $timeFilter ${bucket}, ${ident(TAG.iface)} fill(previous)`,
    availability: availabilityQuery(dev),
    latencyAll: `SELECT mean(${ident(F.rttAvgMs)}) FROM ${ifaceSrc} WHERE ${dev} AND ${ifaceVar} AND $timeFilter ${bucket}, ${ident(TAG.iface)} fill(null)`,
    lossAll: `SELECT mean(${ident(F.lossPct)}) FROM ${ifaceSrc} WHERE ${dev} AND ${ifaceVar} AND $timeFilter ${bucket}, ${ident(TAG.iface)} fill(null)`,
    policyNow: `SELECT last(${ident(PM.sharePct)}) FROM ${from(RP.raw, M.policyMember)} WHERE ${dev} AND $timeFilter GROUP BY ${ident(TAG.policy)}, ${ident(TAG.family)}, ${ident(TAG.iface)}`,
    policyOverTime: (policy: string | null) =>
      `SELECT last(${ident(PM.sharePct)}) FROM ${from(RP.raw, M.policyMember)} WHERE ${dev}${policy === null ? '' : ` AND ${ident(TAG.policy)} = ${tagLit(policy)}`} AND $timeFilter ${bucket}, ${policy === null ? `${ident(TAG.policy)}, ` : ''}${ident(TAG.iface)}, ${ident(TAG.family)} fill(previous)`,
    ifaceLatency: (iface: string | null) =>
      `SELECT mean(${ident(F.rttAvgMs)}) AS "avg", min(${ident(F.rttMinMs)}) AS "min", max(${ident(F.rttMaxMs)}) AS "max" FROM ${ifaceSrc} WHERE ${dev} AND ${ifaceIs(iface)} AND $timeFilter ${bucket} fill(null)`,
    ifaceLoss: (iface: string | null) =>
      `SELECT mean(${ident(F.lossPct)}) AS "loss" FROM ${ifaceSrc} WHERE ${dev} AND ${ifaceIs(iface)} AND $timeFilter ${bucket} fill(null)`,
    ifaceJitter: (iface: string | null) =>
      `SELECT mean(${ident(F.jitterMs)}) AS "jitter" FROM ${ifaceSrc} WHERE ${dev} AND ${ifaceIs(iface)} AND $timeFilter ${bucket} fill(null)`,
    targetLatency: (iface: string | null) =>
      `SELECT mean(${ident(T.rttAvgMs)}) FROM ${targetSrc} WHERE ${dev} AND ${ifaceIs(iface)} AND $timeFilter ${bucket}, ${ident(TAG.target)} fill(null)`,
    targetLoss: (iface: string | null) =>
      `SELECT mean(${ident(T.lossPct)}) FROM ${targetSrc} WHERE ${dev} AND ${ifaceIs(iface)} AND $timeFilter ${bucket}, ${ident(TAG.target)} fill(null)`,
    transitionsAnnotation: `SELECT "from_state", "to_state", "reason", ${ident(TAG.iface)} FROM ${from(RP.forever, M.transition)} WHERE ${dev} AND $timeFilter`,
    notificationsAnnotation: `SELECT "subject", "recipients", ${ident(TAG.status)} FROM ${from(RP.forever, M.notification)} WHERE ${dev} AND $timeFilter`,
    incidentsAnnotation: incidentsAnnotationQuery(dev),
    reachabilityAnnotation: `SELECT "state" FROM ${from(RP.forever, M.deviceState)} WHERE ${dev} AND $timeFilter`,
  };
}
