import {
  AnnotationQueryBuilder,
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
  type Dashboard,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { M, RP, IFACE_FIELDS as F, TARGET_FIELDS as T, POLICY_MEMBER_FIELDS as PM, TAG } from '../../store/index.ts';
import { InfluxQLBuilder, from, ident, tagLit } from './influxql.ts';
import { Layout } from './layout.ts';
import { DATASOURCE, FLEET_UID, deviceDashboardUid } from './names.ts';
import { addIfaceRow, addOverview } from './device-panels.ts';

/** What the generator needs to know about one device; the I/O shell gathers it (inventory.ts). */
export interface DeviceDashboardInput {
  deviceId: string;
  name: string;
  site: string | null;
  /** The WAN interfaces this device has (from its reports and its multiWanV2), in display order. */
  ifaces: string[];
  /** Policies seen in its reports; one "splits over time" panel each. Empty: one panel for all. */
  policies: string[];
}

const q = (query: string) => new InfluxQLBuilder(query, DATASOURCE);

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

function annotations(Q: DeviceQueries) {
  return [
    new AnnotationQueryBuilder()
      .name('Link transitions')
      .datasource(DATASOURCE)
      .enable(true)
      .iconColor('orange')
      .target(
        q(Q.transitionsAnnotation)
          .refId('Transitions')
          .format('table')
          .asAnnotation({ text: 'reason', tags: 'iface,to_state' }),
      ),
    new AnnotationQueryBuilder()
      .name('Notifications')
      .datasource(DATASOURCE)
      .enable(true)
      .iconColor('blue')
      .target(
        q(Q.notificationsAnnotation)
          .refId('Notifications')
          .format('table')
          .asAnnotation({ text: 'subject', tags: 'status' }),
      ),
    new AnnotationQueryBuilder()
      .name('Device reachability')
      .datasource(DATASOURCE)
      .enable(true)
      .iconColor('red')
      .target(q(Q.reachabilityAnnotation).refId('Reachability').format('table').asAnnotation({ text: 'state' })),
  ];
}

/** The per-device dashboard: overview row, then one row per interface. */
export function buildDeviceDashboard(input: DeviceDashboardInput): Dashboard {
  const Q = deviceQueries(input.deviceId);
  const L = new Layout();
  const title = input.name === input.deviceId ? `WAN ${input.deviceId}` : `WAN ${input.name} (${input.deviceId})`;
  const d = new DashboardBuilder(title)
    .uid(deviceDashboardUid(input.deviceId))
    .description(
      `Generated by wanwatch for device ${input.deviceId}${input.site ? ` at site ${input.site}` : ''}; edits are overwritten on the next sync.`,
    )
    .tags(['wanwatch', 'wan', 'device', ...(input.site ? [`site:${input.site}`] : [])])
    .editable()
    .time({ from: 'now-24h', to: 'now' })
    .refresh('1m')
    .timezone('browser')
    .tooltip(DashboardCursorSync.Crosshair)
    .link(
      new DashboardLinkBuilder('Fleet')
        .type(DashboardLinkType.Link)
        .url(`/d/${FLEET_UID}`)
        .keepTime(true)
        .icon('dashboard'),
    )
    .withVariable(
      new QueryVariableBuilder('iface')
        .label('Interface')
        .datasource(DATASOURCE)
        .query(Q.ifaceVariable)
        .definition(Q.ifaceVariable)
        .refresh(VariableRefresh.OnDashboardLoad)
        .sort(VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true)
        .current({ selected: true, text: ['All'], value: ['$__all'] }),
    )
    .annotations(annotations(Q));

  const overview = L.row();
  d.withRow(new RowBuilder('Overview').id(overview.id).gridPos(overview.gridPos).datasource(DATASOURCE));
  addOverview(d, L, Q, input.policies);
  for (const iface of input.ifaces) {
    const r = L.row();
    d.withRow(new RowBuilder(`Interface ${iface}`).id(r.id).gridPos(r.gridPos).datasource(DATASOURCE));
    addIfaceRow(d, L, Q, iface);
  }
  return d.build();
}
