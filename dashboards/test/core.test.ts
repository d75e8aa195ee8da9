import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deviceIfaces } from '../core/device-input.ts';
import { exactRegex, ident, stringLit, tagLit } from '../core/influxql.ts';
import { datasourceYaml, dashboardProvidersYaml } from '../core/provisioning.ts';
import { deviceDashboardPath, siteFolder } from '../core/names.ts';
import { interpolate } from './grafana-interpolate.ts';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { forGrafana } from '../core/grafana-version.ts';
import { dashboardOptionsFromEnv, perDeviceEnabled } from '../dashboard-set.ts';

const cfg = (name: string) => ({
  interfaceName: name,
  targetIps: [],
  failureInterval: 5,
  recoveryInterval: 5,
  pingInterval: 5,
  pingTimeout: 2,
  multiWANMetric: 1,
  multiWANWeight: 1,
  enable: true,
});
const mw = (list: string[] | null, keys: string[]) => ({
  enable: true,
  mode: 'FAIL_OVER' as const,
  notificationEmails: [],
  wanInterfaces: list,
  wanInterfacesConfig: Object.fromEntries(keys.map((k) => [k, cfg(k)])),
});

describe('dashboards core', () => {
  it('InfluxQL quoting escapes quotes and backslashes', () => {
    assert.equal(ident('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(stringLit("it's a\\b"), "'it\\'s a\\\\b'");
    assert.equal(tagLit('a\\b'), "'a%5Cb'", 'tag values are matched in their stored (encoded) form');
    assert.equal(exactRegex('a.b/c'), '/^a\\.b\\/c$/');
  });

  it('interfaces: multiWan order, then configured, then reported (truth table of deviceIfaces)', () => {
    assert.deepEqual(deviceIfaces({ multiWan: null }, ['wanb', 'wan']), ['wan', 'wanb']);
    assert.deepEqual(deviceIfaces({ multiWan: mw(['wanb', 'wan'], ['wan', 'wanb']) }, ['wan', 'lte']), [
      'wanb',
      'wan',
      'lte',
    ]);
    assert.deepEqual(deviceIfaces({ multiWan: mw(null, ['wan', 'lte']) }, []), ['lte', 'wan']);
  });

  it('datasource YAML carries the fixed uid, dbName, credentials with $ doubled', () => {
    const y = datasourceYaml('http://gr:p$w@127.0.0.1:8086/wanwatch');
    assert.match(y, /uid: "wanwatch-influx"/);
    assert.match(y, /url: "http:\/\/127.0.0.1:8086"/);
    assert.match(y, /dbName: "wanwatch"/);
    assert.match(y, /user: "gr"/);
    assert.match(y, /password: "p\$\$w"/);
    assert.doesNotMatch(datasourceYaml('http://127.0.0.1:8086/wanwatch'), /secureJsonData/);
    const p = dashboardProvidersYaml([{ ...siteFolder('Lyon "A"'), path: '/x/y' }]);
    assert.match(p, /folder: "Site Lyon \\"A\\""/);
    assert.match(p, /path: "\/x\/y"/);
  });

  it('interpolates like Grafana: time filter, interval, multi-value variables regex-escaped', () => {
    const q = interpolate(
      'SELECT x WHERE "i" =~ /^$iface$/ AND $timeFilter GROUP BY time($__interval) -- $__interval_ms',
      {
        fromMs: 0,
        toMs: 3_600_000,
        vars: { iface: { values: ['a.b', 'c'], multi: true } },
      },
    );
    assert.equal(
      q,
      'SELECT x WHERE "i" =~ /^(a\\.b|c)$/ AND time >= 0ms and time <= 3600000ms GROUP BY time(10s) -- 10000',
    );
  });
});

describe('Grafana version and per-device settings', () => {
  it('interpolates ${v:regex} (escaped, also for one value) and ${v:raw} like Grafana', () => {
    const vars = { device: { values: ['ce.1/x'], multi: false }, rp: { values: ['rollup_1m'], multi: false } };
    assert.equal(
      interpolate('FROM "${rp:raw}".m WHERE d =~ /^${device:regex}$/', { fromMs: 0, toMs: 1, vars }),
      'FROM "rollup_1m".m WHERE d =~ /^ce\\.1\\/x$/',
    );
  });

  it('parses WANWATCH_GRAFANA_VERSION and WANWATCH_DASHBOARDS_PER_DEVICE', () => {
    assert.equal(dashboardOptionsFromEnv({}).grafanaVersion, 12);
    assert.equal(dashboardOptionsFromEnv({ WANWATCH_GRAFANA_VERSION: '13.2.3' }).grafanaVersion, 13);
    assert.equal(dashboardOptionsFromEnv({ WANWATCH_GRAFANA_VERSION: '11' }).grafanaVersion, 11);
    assert.throws(() => dashboardOptionsFromEnv({ WANWATCH_GRAFANA_VERSION: '10' }), /WANWATCH_GRAFANA_VERSION/);
    assert.equal(dashboardOptionsFromEnv({ WANWATCH_DASHBOARDS_PER_DEVICE: 'never' }).perDevice, 'never');
    assert.throws(() => dashboardOptionsFromEnv({ WANWATCH_DASHBOARDS_PER_DEVICE: 'yes' }), /auto, always or never/);
  });

  it('per-device dashboards: auto up to the threshold, always, never', () => {
    const o = { grafanaVersion: 12, perDevice: 'auto', perDeviceMax: 50 } as const;
    assert.equal(perDeviceEnabled(50, o), true);
    assert.equal(perDeviceEnabled(51, o), false);
    assert.equal(perDeviceEnabled(100_000, { ...o, perDevice: 'always' }), true);
    assert.equal(perDeviceEnabled(1, { ...o, perDevice: 'never' }), false);
  });

  it('forGrafana: schemaVersion per major, no placement, no interval keys on query variables', () => {
    const sdk = {
      schemaVersion: 42,
      links: [{ title: 'x', placement: 'inControlsMenu' }],
      annotations: { list: [{ name: 'a', placement: 'inControlsMenu' }] },
      templating: { list: [{ type: 'query', name: 'v', auto: false, auto_min: '10s', auto_count: 30 }] },
      panels: [{ type: 'table', options: { footer: { show: false } }, fieldConfig: { defaults: {}, overrides: [] } }],
    } as unknown as Dashboard;
    type Out = {
      schemaVersion: number;
      templating: { list: unknown[] };
      panels: Array<{ options: { footer?: unknown }; fieldConfig: { defaults: { custom: { cellOptions: unknown } } } }>;
    };
    const v11 = forGrafana(sdk, 11) as unknown as Out;
    const v13 = forGrafana(sdk, 13) as unknown as Out;
    assert.equal(v11.schemaVersion, 41);
    assert.equal(v13.schemaVersion, 42);
    assert.equal(JSON.stringify(v13).includes('placement'), false);
    assert.deepEqual(v13.templating.list[0], { type: 'query', name: 'v' });
    assert.ok(v11.panels[0]!.options.footer, 'the footer stays for 11');
    assert.equal(v13.panels[0]!.options.footer, undefined);
    assert.deepEqual(v13.panels[0]!.fieldConfig.defaults.custom.cellOptions, { type: 'auto' });
    assert.equal((sdk as unknown as Record<string, number>).schemaVersion, 42, 'the input is not changed');
  });
});

describe('links to a device', () => {
  it('go to the templated dashboard, which exists in every mode', () => {
    assert.equal(deviceDashboardPath('ce-1'), '/d/wanwatch-device?var-device=ce-1');
    assert.equal(deviceDashboardPath('a:b.c'), '/d/wanwatch-device?var-device=a%3Ab.c');
  });
});
