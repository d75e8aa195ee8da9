/**
 * Acceptance (issue 21/18): the dashboards' availability panel and the uptime report give the same
 * figure for the same window. The same transitions — every state, reporter stop/start with a
 * carried state, `disconnecting` after online and after a carried offline — are written to a real
 * InfluxDB; the panel's query runs with Grafana's substitutions, the report is computed by the
 * uptime report's own reader and core from the same database.
 */
import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InfluxDB } from 'influx';
import { testServices } from '../../stack/testing.ts';
import { STATE_CODE, encodeTagValue, type IfaceState } from '../../contract/index.ts';
import { M, RP, parseInfluxUrl, transitionTimestampNs } from '../../store/index.ts';
import { createInfluxHistory } from '../../reports/adapters/influx-history.ts';
import { computeDeviceUptime } from '../../reports/core/compute-uptime.ts';
import { buildDeviceDashboard, buildTemplatedDeviceDashboard } from '../core/device-dashboard.ts';
import { interpolate } from './grafana-interpolate.ts';
import { createSchema, influxQuery, line, write } from './seed.ts';

const DEV = "ce-9 'Süd'\\a/b";
const NOW = Date.now();
const H = 3_600_000;
const D = 24 * H;

type Tr = [atMs: number, reason: string, from: IfaceState, to: IfaceState];
/** Per interface, transitions at odd milliseconds so no figure is a round number. */
const HISTORY: Record<string, Tr[]> = {
  wan: [
    [NOW - 40 * D, 'start', 'unknown', 'online'],
    [NOW - 30 * H + 123, 'track', 'online', 'disconnecting'], // still routed: online
    [NOW - 30 * H + 45_017, 'track', 'disconnecting', 'offline'],
    [NOW - 29 * H + 3, 'track', 'offline', 'connecting'], // not routed yet: offline
    [NOW - 28 * H - 57 * 60_000 + 9, 'track', 'connecting', 'online'],
    [NOW - 20 * H + 777, 'track', 'online', 'disconnecting'],
    [NOW - 20 * H + 30_001, 'track', 'disconnecting', 'online'],
    [NOW - 10 * H + 5, 'stop', 'online', 'online'], // reporter stopped: unknown
    [NOW - 9 * H + 11, 'start', 'online', 'offline'], // carried online, whatever the initial state
    [NOW - 8 * H + 13, 'track', 'offline', 'disconnecting'],
    [NOW - 8 * H + 60_013, 'track', 'disconnecting', 'offline'],
    [NOW - 3 * H + 17, 'track', 'offline', 'online'],
  ],
  wanb: [
    [NOW - 50 * D + 1, 'start', 'unknown', 'offline'],
    [NOW - 23 * H + 1, 'track', 'offline', 'online'],
    [NOW - 12 * H + 3, 'config', 'online', 'disabled'], // administratively out: unknown
    [NOW - 11 * H + 7, 'config', 'disabled', 'online'],
    [NOW - 5 * H + 19, 'stop', 'online', 'unknown'],
    [NOW - 4 * H + 23, 'start', 'offline', 'online'], // carried offline
    [NOW - 4 * H + 90_029, 'track', 'online', 'disconnecting'], // after a carried offline: offline
    [NOW - 4 * H + 120_031, 'track', 'disconnecting', 'offline'],
    [NOW - 2 * H + 37, 'track', 'offline', 'connecting'],
    [NOW - 2 * H + 10_041, 'track', 'connecting', 'online'],
    [NOW - 1 * H + 43, 'track', 'online', 'unknown'],
  ],
  lte_1: [
    [NOW - 6 * H + 47, 'start', 'unknown', 'connecting'],
    [NOW - 5 * H + 53, 'track', 'connecting', 'online'],
  ],
  old: [[NOW - 100 * D, 'start', 'unknown', 'online']],
};

describe('availability panel = uptime report, against a real InfluxDB', () => {
  let base = '';
  let db = '';
  let influx: InfluxDB;

  before(async () => {
    const svc = await testServices();
    base = svc.influxBaseUrl;
    const d = svc.influxDb('avail');
    db = d.db;
    await createSchema(base, db);
    influx = new InfluxDB(parseInfluxUrl(d.url));
    let seq = 0;
    const lines = Object.entries(HISTORY).flatMap(([iface, trs]) =>
      trs.map(([atMs, reason, fromS, to]) => {
        seq += 1;
        return line(
          M.transition,
          { device: DEV, iface },
          {
            from_state: fromS,
            to_state: to,
            to_code: { int: STATE_CODE[to] },
            up: { int: to === 'online' ? 1 : 0 },
            score: { int: 0 },
            reason,
            seq: { int: seq },
            boot_id: reason === 'start' || seq === 1 ? `boot-${seq}` : 'boot-same',
          },
          transitionTimestampNs(atMs, seq),
        );
      }),
    );
    await write(base, db, RP.forever, lines, 'ns');
  });
  after(async () => {
    if (db) await influxQuery(base, db, `DROP DATABASE "${db}"`);
  });

  /** The report's availability per interface for [fromMs, toMs), read and computed as the uptime report does. */
  async function report(fromMs: number, toMs: number): Promise<Map<string, number | null>> {
    const history = await createInfluxHistory(influx).load(fromMs, toMs, DEV);
    const h = history.get(DEV) ?? { transitions: [], deviceStates: [] };
    const r = computeDeviceUptime({ deviceId: DEV, fromMs, toMs, nowMs: NOW, silences: [], ...h });
    return new Map(r.ifaces.map((i) => [i.iface, i.availabilityPct]));
  }

  async function panel(query: string, fromMs: number, toMs: number, vars = {}): Promise<Map<string, number>> {
    const text = interpolate(query, { fromMs, toMs, vars });
    assert.doesNotMatch(text, /\$(?!tag_|col\b)[A-Za-z_{]/, `unsubstituted macro in ${text}`);
    const r = await influxQuery(base, db, text);
    assert.equal(r.error, undefined, `${r.error} in ${text}`);
    return new Map((r.series ?? []).map((s) => [String(s.tags?.iface), Number(s.values[0]?.[1])]));
  }

  const availabilityTarget = (d: { panels?: unknown[] }) => {
    const p = (d.panels as Array<{ title?: string; targets?: Array<{ query: string }> }>).find((x) =>
      x.title?.startsWith('Availability'),
    );
    assert.ok(p?.targets?.[0], 'no availability panel');
    return p.targets[0].query;
  };

  const WINDOWS: Array<[string, number, number]> = [
    ['last 1 h', NOW - H, NOW],
    ['last 24 h', NOW - D, NOW],
    ['last 7 d', NOW - 7 * D, NOW],
    ['last 30 d', NOW - 30 * D, NOW],
    ['last 400 d', NOW - 400 * D, NOW],
    ['a past window inside outages', NOW - 30 * H + 30_000, NOW - 8 * H + 30_000],
  ];

  for (const [name, fromMs, toMs] of WINDOWS) {
    it(`${name}: the same figure per interface as the uptime report`, async () => {
      const expected = await report(fromMs, toMs);
      const byDevice = availabilityTarget(
        buildDeviceDashboard({ deviceId: DEV, name: 'Süd', site: null, ifaces: Object.keys(HISTORY), policies: [] }),
      );
      const templated = availabilityTarget(buildTemplatedDeviceDashboard());
      const device = { device: { values: [encodeTagValue(DEV)], multi: false } };
      for (const got of [await panel(byDevice, fromMs, toMs), await panel(templated, fromMs, toMs, device)]) {
        const want = [...expected].filter(([, v]) => v !== null);
        assert.deepEqual(new Set(got.keys()), new Set(want.map(([k]) => k)), `${name}: interfaces`);
        for (const [iface, pct] of want)
          assert.ok(
            Math.abs(got.get(iface)! - pct!) < 0.0006,
            `${name} ${iface}: panel ${got.get(iface)} report ${pct}`,
          );
      }
      // The window is not trivial: some interface is neither 0 nor 100 %.
      assert.ok([...expected.values()].some((v) => v !== null && v > 0 && v < 100) || name === 'last 1 h', name);
    });
  }
});
