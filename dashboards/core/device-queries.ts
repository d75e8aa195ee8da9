import { M, RP, IFACE_FIELDS as F, TARGET_FIELDS as T, POLICY_MEMBER_FIELDS as PM, TAG } from '../../store/index.ts';
import { from, ident, tagLit } from './influxql.ts';

/** The InfluxQL of every panel, as pure functions of the device, so tests can run them one by one. */
export type DeviceQueries = ReturnType<typeof deviceQueries>;

export function deviceQueries(deviceId: string) {
  const dev = `${ident(TAG.device)} = ${tagLit(deviceId)}`;
  const ifaceIs = (iface: string) => `${ident(TAG.iface)} = ${tagLit(iface)}`;
  const ifaceVar = `${ident(TAG.iface)} =~ /^$iface$/`;
  const bucket = 'GROUP BY time($__interval)';
  return {
    ifaceVariable: `SHOW TAG VALUES FROM ${from(RP.raw, M.iface)} WITH KEY = ${ident(TAG.iface)} WHERE ${dev}`,
    stateTimeline: `SELECT last(${ident(F.stateCode)}) FROM ${from(RP.raw, M.iface)} WHERE ${dev} AND ${ifaceVar} AND $timeFilter ${bucket}, ${ident(TAG.iface)} fill(previous)`,
    availabilityRaw: `SELECT mean(${ident(F.up)}) * 100 AS "availability" FROM ${from(RP.raw, M.iface)} WHERE ${dev} AND $timeFilter GROUP BY ${ident(TAG.iface)}`,
    availabilityRollup: `SELECT mean("up_ratio") * 100 AS "availability" FROM ${from(RP.rollup, M.ifaceRollup)} WHERE ${dev} AND $timeFilter GROUP BY ${ident(TAG.iface)}`,
    latencyAll: `SELECT mean(${ident(F.rttAvgMs)}) FROM ${from(RP.raw, M.iface)} WHERE ${dev} AND ${ifaceVar} AND $timeFilter ${bucket}, ${ident(TAG.iface)} fill(null)`,
    lossAll: `SELECT mean(${ident(F.lossPct)}) FROM ${from(RP.raw, M.iface)} WHERE ${dev} AND ${ifaceVar} AND $timeFilter ${bucket}, ${ident(TAG.iface)} fill(null)`,
    policyNow: `SELECT last(${ident(PM.sharePct)}) FROM ${from(RP.raw, M.policyMember)} WHERE ${dev} AND $timeFilter GROUP BY ${ident(TAG.policy)}, ${ident(TAG.family)}, ${ident(TAG.iface)}`,
    policyOverTime: (policy: string | null) =>
      `SELECT last(${ident(PM.sharePct)}) FROM ${from(RP.raw, M.policyMember)} WHERE ${dev}${policy === null ? '' : ` AND ${ident(TAG.policy)} = ${tagLit(policy)}`} AND $timeFilter ${bucket}, ${policy === null ? `${ident(TAG.policy)}, ` : ''}${ident(TAG.iface)}, ${ident(TAG.family)} fill(previous)`,
    ifaceLatency: (iface: string) =>
      `SELECT mean(${ident(F.rttAvgMs)}) AS "avg", min(${ident(F.rttMinMs)}) AS "min", max(${ident(F.rttMaxMs)}) AS "max" FROM ${from(RP.raw, M.iface)} WHERE ${dev} AND ${ifaceIs(iface)} AND $timeFilter ${bucket} fill(null)`,
    ifaceLoss: (iface: string) =>
      `SELECT mean(${ident(F.lossPct)}) AS "loss" FROM ${from(RP.raw, M.iface)} WHERE ${dev} AND ${ifaceIs(iface)} AND $timeFilter ${bucket} fill(null)`,
    ifaceJitter: (iface: string) =>
      `SELECT mean(${ident(F.jitterMs)}) AS "jitter" FROM ${from(RP.raw, M.iface)} WHERE ${dev} AND ${ifaceIs(iface)} AND $timeFilter ${bucket} fill(null)`,
    targetLatency: (iface: string) =>
      `SELECT mean(${ident(T.rttAvgMs)}) FROM ${from(RP.raw, M.target)} WHERE ${dev} AND ${ifaceIs(iface)} AND $timeFilter ${bucket}, ${ident(TAG.target)} fill(null)`,
    targetLoss: (iface: string) =>
      `SELECT mean(${ident(T.lossPct)}) FROM ${from(RP.raw, M.target)} WHERE ${dev} AND ${ifaceIs(iface)} AND $timeFilter ${bucket}, ${ident(TAG.target)} fill(null)`,
    transitionsAnnotation: `SELECT "from_state", "to_state", "reason", ${ident(TAG.iface)} FROM ${from(RP.forever, M.transition)} WHERE ${dev} AND $timeFilter`,
    notificationsAnnotation: `SELECT "subject", "recipients", ${ident(TAG.status)} FROM ${from(RP.forever, M.notification)} WHERE ${dev} AND $timeFilter`,
    reachabilityAnnotation: `SELECT "state" FROM ${from(RP.forever, M.deviceState)} WHERE ${dev} AND $timeFilter`,
  };
}
