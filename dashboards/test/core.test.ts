import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deviceIfaces } from '../core/device-input.ts';
import { exactRegex, ident, stringLit, tagLit } from '../core/influxql.ts';
import { datasourceYaml, dashboardProvidersYaml } from '../core/provisioning.ts';
import { siteFolder } from '../core/names.ts';
import { interpolate } from './grafana-interpolate.ts';

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
