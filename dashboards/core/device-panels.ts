import {
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type DashboardBuilder,
} from '@grafana/grafana-foundation-sdk/dashboard';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import { InfluxQLBuilder } from './influxql.ts';
import type { Layout } from './layout.ts';
import { DATASOURCE } from './names.ts';
import { stateCodeMappings } from './state-mappings.ts';
import type { DeviceQueries } from './device-queries.ts';

const q = (query: string) => new InfluxQLBuilder(query, DATASOURCE);

function legend() {
  return new common.VizLegendOptionsBuilder()
    .displayMode(common.LegendDisplayMode.Table)
    .placement(common.LegendPlacement.Bottom)
    .showLegend(true)
    .calcs(['mean', 'max', 'lastNotNull']);
}

function series(title: string, unit: string, L: Layout, w: number, h: number) {
  const p = L.place(w, h);
  return (
    new timeseries.PanelBuilder()
      .id(p.id)
      .gridPos(p.gridPos)
      .title(title)
      .datasource(DATASOURCE)
      .unit(unit)
      .lineWidth(1)
      .fillOpacity(10)
      // Connects gaps up to 2 minutes: raw rounds come every few seconds, rollup points every minute;
      // a longer gap (no data, e.g. a device down) stays visible.
      .spanNulls(120_000)
      .showPoints(common.VisibilityMode.Never)
      .legend(legend())
      .tooltip(
        new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending),
      )
  );
}

/**
 * Availability over the dashboard's time range, per interface, defined as in the uptime report
 * (availability.ts): the same window shows the same figure in both.
 */
function availabilityStat(query: string, L: Layout) {
  const p = L.place(24, 5);
  return new stat.PanelBuilder()
    .id(p.id)
    .gridPos(p.gridPos)
    .title('Availability (time range)')
    .description(
      'Online ÷ (online + offline) over the time range, from the link transitions, counted as in the uptime report: ' +
        'disconnecting after online counts online, connecting counts offline, disabled/unknown/reporter stopped count as neither.',
    )
    .datasource(DATASOURCE)
    .unit('percent')
    .decimals(3)
    .min(0)
    .max(100)
    .thresholds(
      new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
        { value: null, color: 'red' },
        { value: 99, color: 'orange' },
        { value: 99.9, color: 'green' },
      ]),
    )
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.Value)
    .textMode(common.BigValueTextMode.ValueAndName)
    .withTarget(q(query).alias('$tag_iface'));
}

/** Name and site of the chosen device, from `wan_device_info` (the registry as InfluxDB knows it). */
export function addDeviceInfo(d: DashboardBuilder, L: Layout, Q: DeviceQueries): void {
  const p = L.place(24, 3);
  d.withPanel(
    new stat.PanelBuilder()
      .id(p.id)
      .gridPos(p.gridPos)
      .title('Device')
      .description('Registry name and site of the device (wan_device_info).')
      .datasource(DATASOURCE)
      .reduceOptions(
        new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false).fields('/^(name|site)$/'),
      )
      .graphMode(common.BigValueGraphMode.None)
      .colorMode(common.BigValueColorMode.None)
      .textMode(common.BigValueTextMode.ValueAndName)
      .withTarget(q(Q.deviceInfo).format('table')),
  );
}

/** State timeline, availability over the time range, policy splits now and over time, latency/loss of all links. */
export function addOverview(d: DashboardBuilder, L: Layout, Q: DeviceQueries, policies: string[]): void {
  const st = L.place(24, 6);
  d.withPanel(
    new statetimeline.PanelBuilder()
      .id(st.id)
      .gridPos(st.gridPos)
      .title('Interface state')
      .description('mwan3 state of each WAN interface as the device decided it (wan_iface.state_code).')
      .datasource(DATASOURCE)
      .mappings(stateCodeMappings())
      .showValue(common.VisibilityMode.Never)
      .mergeValues(true)
      .rowHeight(0.8)
      .fillOpacity(80)
      .withTarget(q(Q.stateTimeline).alias('$tag_iface')),
  );
  d.withPanel(availabilityStat(Q.availability, L));

  const now = L.place(8, 8);
  d.withPanel(
    new bargauge.PanelBuilder()
      .id(now.id)
      .gridPos(now.gridPos)
      .title('Policy split now')
      .description('Share of new connections each policy gives each interface, from the latest policy snapshot.')
      .datasource(DATASOURCE)
      .unit('percent')
      .min(0)
      .max(100)
      .displayMode(common.BarGaugeDisplayMode.Basic)
      .orientation(common.VizOrientation.Horizontal)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
      .withTarget(q(Q.policyNow).alias('$tag_policy: $tag_iface ($tag_family)')),
  );
  const perPolicy: Array<string | null> = policies.length > 0 ? policies : [null];
  const w = perPolicy.length === 1 ? 16 : 8;
  for (const policy of perPolicy) {
    d.withPanel(
      series(policy === null ? 'Policy splits over time' : `Policy ${policy}: split over time`, 'percent', L, w, 8)
        .min(0)
        .max(100)
        .fillOpacity(60)
        .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal).group(policy ?? 'A'))
        .overrideByRegexp('\\(ipv6\\)$', [{ id: 'custom.stacking', value: { mode: 'normal', group: 'ipv6' } }])
        .withTarget(
          q(Q.policyOverTime(policy)).alias(
            policy === null ? '$tag_policy: $tag_iface ($tag_family)' : '$tag_iface ($tag_family)',
          ),
        ),
    );
  }
  d.withPanel(series('Latency by interface', 'ms', L, 12, 8).withTarget(q(Q.latencyAll).alias('$tag_iface')));
  d.withPanel(
    series('Loss by interface', 'percent', L, 12, 8).min(0).max(100).withTarget(q(Q.lossAll).alias('$tag_iface')),
  );
}

/** Latency (avg/min/max), loss and jitter of one interface, then per target. */
export function addIfaceRow(d: DashboardBuilder, L: Layout, Q: DeviceQueries, ifaceOrVar: string | null): void {
  const iface = ifaceOrVar ?? '$iface';
  d.withPanel(series(`${iface}: latency`, 'ms', L, 8, 8).withTarget(q(Q.ifaceLatency(ifaceOrVar)).alias('$col')));
  d.withPanel(
    series(`${iface}: loss`, 'percent', L, 8, 8)
      .min(0)
      .max(100)
      .withTarget(q(Q.ifaceLoss(ifaceOrVar)).alias('$col')),
  );
  d.withPanel(series(`${iface}: jitter`, 'ms', L, 8, 8).withTarget(q(Q.ifaceJitter(ifaceOrVar)).alias('$col')));
  d.withPanel(
    series(`${iface}: latency per target`, 'ms', L, 12, 8).withTarget(
      q(Q.targetLatency(ifaceOrVar)).alias('$tag_target'),
    ),
  );
  d.withPanel(
    series(`${iface}: loss per target`, 'percent', L, 12, 8)
      .min(0)
      .max(100)
      .withTarget(q(Q.targetLoss(ifaceOrVar)).alias('$tag_target')),
  );
}
