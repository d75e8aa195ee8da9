import {
  AnnotationQueryBuilder,
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  RowBuilder,
  VariableRefresh,
  VariableSort,
  type Dashboard,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  M,
  RP,
  IFACE_FIELDS as F,
  TARGET_FIELDS as T,
  POLICY_MEMBER_FIELDS as PM,
  DEVICE_INFO_FIELDS as DI,
  TAG,
} from '../../contract/index.ts';
import { InfluxQLBuilder, from, ident, tagLit } from './influxql.ts';
import { DEFAULT_GRAFANA, forGrafana, type GrafanaMajor } from './grafana-version.ts';
import { Layout } from './layout.ts';
import { DATASOURCE, DEVICE_TEMPLATE_UID, FLEET_UID, deviceDashboardUid } from './names.ts';
import { addDeviceInfo, addIfaceRow, addOverview } from './device-panels.ts';
import { availabilityQuery } from './availability.ts';
import { incidentsAnnotation, incidentsAnnotationQuery } from './incidents.ts';

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
    incidentsAnnotation(Q.incidentsAnnotation, { text: 'title', tags: 'kind,status,iface_name' }, true),
    new AnnotationQueryBuilder()
      .name('Device reachability')
      .datasource(DATASOURCE)
      .enable(true)
      .iconColor('red')
      .target(q(Q.reachabilityAnnotation).refId('Reachability').format('table').asAnnotation({ text: 'state' })),
  ];
}

type Variable = NonNullable<NonNullable<Dashboard['templating']>['list']>[number];

function queryVariable(name: string, label: string, query: string, multi: boolean): Variable {
  return {
    type: 'query',
    name,
    label,
    datasource: DATASOURCE,
    query,
    refresh: VariableRefresh.OnDashboardLoad,
    sort: VariableSort.AlphabeticalAsc,
    multi,
    includeAll: multi,
    ...(multi ? { current: { selected: true, text: ['All'], value: ['$__all'] } } : {}),
    options: [],
  } as Variable;
}

/** Raw rounds (30 d) or the 1-minute rollup (400 d) for latency, loss and jitter. */
function rpVariable(): Variable {
  const options = [
    { text: 'raw rounds (30 d)', value: RP.raw },
    { text: '1-minute rollup (400 d)', value: RP.rollup },
  ];
  return {
    type: 'custom',
    name: 'rp',
    label: 'Resolution',
    description: 'Latency, loss and jitter from raw rounds (kept 30 days) or from the 1-minute rollup (kept 400 days).',
    query: options.map((o) => `${o.text} : ${o.value}`).join(', '),
    current: { selected: true, ...options[0]! },
    options: options.map((o, i) => ({ ...o, selected: i === 0 })),
    multi: false,
    includeAll: false,
  } as Variable;
}

function baseDashboard(title: string, uid: string, description: string, tags: string[]): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(tags)
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
    );
}

/** The per-device dashboard: overview row, then one row per interface. */
export function buildDeviceDashboard(input: DeviceDashboardInput, grafana: GrafanaMajor = DEFAULT_GRAFANA): Dashboard {
  const Q = deviceQueries(input.deviceId);
  const L = new Layout();
  const title = input.name === input.deviceId ? `WAN ${input.deviceId}` : `WAN ${input.name} (${input.deviceId})`;
  const d = baseDashboard(
    title,
    deviceDashboardUid(input.deviceId),
    `Generated by wanwatch for device ${input.deviceId}${input.site ? ` at site ${input.site}` : ''}; edits are overwritten on the next sync.`,
    ['wanwatch', 'wan', 'device', ...(input.site ? [`site:${input.site}`] : [])],
  ).annotations(annotations(Q));

  const overview = L.row();
  d.withRow(new RowBuilder('Overview').id(overview.id).gridPos(overview.gridPos).datasource(DATASOURCE));
  addOverview(d, L, Q, input.policies);
  for (const iface of input.ifaces) {
    const r = L.row();
    d.withRow(new RowBuilder(`Interface ${iface}`).id(r.id).gridPos(r.gridPos).datasource(DATASOURCE));
    addIfaceRow(d, L, Q, iface);
  }
  const out = d.build();
  out.templating = { list: [queryVariable('iface', 'Interface', Q.ifaceVariable, true), rpVariable()] };
  return forGrafana(out, grafana);
}

/**
 * One dashboard for every device: `$device` lists the devices in `wan_device_info` (the fleet table
 * links here with `var-device`), `$iface` the interfaces that device reported, and one row per
 * interface repeats over `$iface`. Its JSON does not depend on the fleet at all.
 */
export function buildTemplatedDeviceDashboard(grafana: GrafanaMajor = DEFAULT_GRAFANA): Dashboard {
  const Q = deviceQueries({ kind: 'template' });
  const L = new Layout();
  const d = baseDashboard(
    'WAN device $device',
    DEVICE_TEMPLATE_UID,
    'Generated by wanwatch: one dashboard for every CE device (choose it in "Device"); edits are overwritten on the next sync.',
    ['wanwatch', 'wan', 'device'],
  ).annotations(annotations(Q));

  const overview = L.row();
  d.withRow(new RowBuilder('Overview').id(overview.id).gridPos(overview.gridPos).datasource(DATASOURCE));
  addDeviceInfo(d, L, Q);
  addOverview(d, L, Q, []);
  const r = L.row();
  d.withRow(new RowBuilder('Interface $iface').id(r.id).gridPos(r.gridPos).datasource(DATASOURCE).repeat('iface'));
  addIfaceRow(d, L, Q, null);
  const out = d.build();
  const deviceVar = queryVariable(
    'device',
    'Device',
    `SHOW TAG VALUES FROM ${from(RP.forever, M.deviceInfo)} WITH KEY = ${ident(TAG.device)}`,
    false,
  );
  out.templating = {
    list: [deviceVar, queryVariable('iface', 'Interface', Q.ifaceVariable, true), rpVariable()],
  };
  return forGrafana(out, grafana);
}
