/**
 * Acceptance: every query of the generated dashboards (panel targets, the template variable and the
 * annotations), with `$timeFilter`/`$__interval`/variables substituted as Grafana does, runs against
 * a real InfluxDB seeded with contract-shaped data and returns the series the panel expects.
 */
import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { testServices } from '../../stack/testing.ts';
import { encodeTagValue } from '../../contract/index.ts';
import { buildDeviceDashboard } from '../core/device-dashboard.ts';
import { buildFleetDashboard } from '../core/fleet-dashboard.ts';
import { interpolate } from './grafana-interpolate.ts';
import { createSchema, influxQuery, seed, type InfluxSeries } from './seed.ts';

// A device id with a space, a quote, a backslash and a slash proves the string-literal escaping.
const DEV = "ce-7 'Nord'\\x/1";
const IFACES = ['wan', 'wanb', 'lte_1'];
const NOW = Date.now();
const WANB_OUT: [number, number] = [NOW - 80 * 60_000, NOW - 50 * 60_000];

interface Panel {
  id?: number;
  type: string;
  title?: string;
  timeFrom?: string;
  targets?: Array<{ query?: string; alias?: string; refId?: string }>;
}

const durMs = (s: string) =>
  Number(s.slice(0, -1)) * { h: 3_600_000, d: 86_400_000, m: 60_000 }[s.slice(-1) as 'h' | 'd' | 'm'];

describe('dashboard queries against a real InfluxDB', () => {
  let base = '';
  let db = '';
  const run = async (q: string, fromMs: number, vars = {}) => {
    const text = interpolate(q, { fromMs, toMs: NOW, vars });
    assert.doesNotMatch(text, /\$(?!tag_|col\b)[A-Za-z_{]/, `unsubstituted macro in ${text}`);
    const r = await influxQuery(base, db, text);
    assert.equal(r.error, undefined, `${r.error} in ${text}`);
    assert.ok(r.series && r.series.length > 0, `no series for ${text}`);
    return r.series;
  };
  const values = (s: InfluxSeries[], col = 1) =>
    s.flatMap((x) => x.values.map((v) => v[col])).filter((v): v is number => typeof v === 'number');
  const tagSet = (s: InfluxSeries[], tag: string) => new Set(s.map((x) => x.tags?.[tag]));

  before(async () => {
    const svc = await testServices();
    base = svc.influxBaseUrl;
    db = svc.influxDb('dash').db;
    await createSchema(base, db);
    await seed(
      base,
      db,
      [
        {
          id: DEV,
          ifaces: IFACES,
          outages: { wanb: WANB_OUT, lte_1: [NOW - 20 * 60_000, NOW + 3_600_000] },
          reachable: true,
        },
        { id: 'ce-2', ifaces: ['wan', 'wanb'], outages: {}, reachable: true },
        { id: 'ce-3', ifaces: ['wan'], outages: {}, reachable: false },
      ],
      NOW,
    );
  });
  after(async () => {
    if (db) await influxQuery(base, db, `DROP DATABASE "${db}"`);
  });

  it('the interface variable lists exactly the device interfaces', async () => {
    const d = buildDeviceDashboard({
      deviceId: DEV,
      name: 'Nord',
      site: 'Lyon',
      ifaces: IFACES,
      policies: ['balanced'],
    });
    const v = d.templating?.list?.[0];
    assert.equal(v?.name, 'iface');
    const series = await run(String(v?.query), NOW - 3_600_000);
    assert.deepEqual(new Set(series.flatMap((s) => s.values.map((r) => r[1]))), new Set(IFACES));
  });

  it('every panel target returns the series its panel expects', async () => {
    const d = buildDeviceDashboard({
      deviceId: DEV,
      name: 'Nord',
      site: 'Lyon',
      ifaces: IFACES,
      policies: ['balanced'],
    });
    const vars = { iface: { values: IFACES, multi: true } };
    const panels = (d.panels ?? []) as Panel[];
    let checked = 0;
    for (const p of panels.filter((x) => x.type !== 'row')) {
      const fromMs = NOW - (p.timeFrom ? durMs(p.timeFrom) : 2 * 3_600_000);
      assert.ok(p.targets && p.targets.length > 0, `panel ${p.title} has no target`);
      for (const t of p.targets) {
        const s = await run(String(t.query), fromMs, vars);
        const title = String(p.title);
        const ctx = `${title}: ${t.query}`;
        const perIface = /^(wan|wanb|lte_1): /.exec(title)?.[1];
        if (p.type === 'state-timeline') {
          assert.deepEqual(tagSet(s, 'iface'), new Set(IFACES), ctx);
          assert.ok(
            values(s).every((v) => [0, 1].includes(v)),
            ctx,
          );
          // wanb was offline for 30 minutes: the timeline must show both states.
          assert.deepEqual(new Set(values(s.filter((x) => x.tags?.iface === 'wanb'))), new Set([0, 1]), ctx);
        } else if (title.startsWith('Availability')) {
          assert.deepEqual(tagSet(s, 'iface'), new Set(IFACES), ctx);
          const byIface = Object.fromEntries(s.map((x) => [x.tags?.iface, values([x])[0]]));
          assert.ok(
            values(s).every((v) => v >= 0 && v <= 100),
            ctx,
          );
          assert.equal(byIface.wan, 100, ctx);
          assert.ok((byIface.wanb ?? 100) < 100, ctx);
        } else if (title.startsWith('Policy')) {
          assert.deepEqual(tagSet(s, 'iface'), new Set(IFACES), ctx);
          assert.ok(
            values(s).every((v) => v >= 0 && v <= 100),
            ctx,
          );
          assert.ok(
            values(s).some((v) => v > 0),
            ctx,
          );
        } else if (title.endsWith('by interface')) {
          assert.deepEqual(tagSet(s, 'iface'), new Set(IFACES), ctx);
        } else if (perIface && title.endsWith('per target')) {
          assert.deepEqual(tagSet(s, 'target'), new Set(['192.0.2.1', '198.51.100.7']), ctx);
        } else if (perIface) {
          assert.equal(s.length, 1, ctx);
          const cols = s[0]?.columns ?? [];
          if (title.endsWith('latency')) assert.deepEqual(cols, ['time', 'avg', 'min', 'max'], ctx);
          for (let c = 1; c < cols.length; c++) assert.ok(values(s, c).length > 0, `${ctx} column ${cols[c]}`);
        } else {
          assert.fail(`no expectation for panel ${title}`);
        }
        const unit = (p as { fieldConfig?: { defaults?: { unit?: string } } }).fieldConfig?.defaults?.unit;
        if (unit === 'percent')
          assert.ok(
            values(s).every((v) => v >= 0 && v <= 100),
            `${ctx}: percent out of range`,
          );
        if (unit === 'ms')
          assert.ok(
            values(s).every((v) => v >= 0 && v < 1000),
            `${ctx}: ms out of range`,
          );
        checked++;
      }
    }
    assert.ok(checked >= 5 + 5 * IFACES.length, `only ${checked} targets checked`);
  });

  it('every annotation query returns its text and tag columns', async () => {
    const d = buildDeviceDashboard({ deviceId: DEV, name: 'Nord', site: 'Lyon', ifaces: IFACES, policies: [] });
    const list = d.annotations?.list ?? [];
    assert.equal(list.length, 3);
    for (const a of list) {
      const t = a.target as unknown as { query: string; textColumn?: string; tagsColumn?: string };
      const s = await run(t.query, NOW - 2 * 3_600_000);
      const cols = s[0]?.columns ?? [];
      for (const c of [t.textColumn, ...(t.tagsColumn?.split(',') ?? [])].filter(Boolean))
        assert.ok(cols.includes(String(c)), `${a.name}: column ${c} missing in ${cols.join()}`);
    }
  });

  it('the fleet table and counters return every device with the right figures', async () => {
    const devices = [
      { id: DEV, name: 'Nord', site: 'Lyon' },
      { id: 'ce-2', name: 'Two', site: null },
      { id: 'ce-3', name: 'Three', site: 'Lyon' },
    ];
    const d = buildFleetDashboard(devices);
    const panels = (d.panels ?? []) as Panel[];
    const fromMs = NOW - 3_600_000;
    const byTitle = (t: string) => panels.find((p) => p.title === t);
    const count = async (t: string) => values(await run(String(byTitle(t)?.targets?.[0]?.query), fromMs))[0];
    assert.equal(await count('Devices reporting'), 3);
    assert.equal(await count('Devices with a link down'), 1);
    assert.equal(await count('Unreachable devices'), 1);

    const tbl = byTitle('Devices');
    const [links, lastSeen, reach] = await Promise.all((tbl?.targets ?? []).map((t) => run(String(t.query), fromMs)));
    const ids = devices.map((x) => encodeTagValue(x.id));
    assert.deepEqual(tagSet(links!, 'device'), new Set(ids));
    const row = (s: InfluxSeries[], id: string) => {
      const x = s.find((y) => y.tags?.device === encodeTagValue(id));
      return Object.fromEntries((x?.columns ?? []).map((c, i) => [c, x?.values[0]?.[i]]));
    };
    assert.deepEqual(
      [row(links!, DEV).links_up, row(links!, DEV).links_total, row(links!, DEV).worst_loss_pct],
      [2, 3, 100],
    );
    assert.deepEqual([row(links!, 'ce-2').links_up, row(links!, 'ce-2').links_total], [2, 2]);
    const seen = row(lastSeen!, DEV);
    assert.ok(Number(seen.time) > NOW - 60_000 && Number(seen.time) <= NOW, 'last seen is the latest round');
    // The value mappings of the table are keyed by exactly what the queries return.
    const mapped = JSON.stringify(tbl);
    for (const x of devices)
      assert.deepEqual(
        [row(lastSeen!, x.id).site, row(lastSeen!, x.id).dashboard],
        [encodeTagValue(x.id), encodeTagValue(x.id)],
      );
    for (const id of ids) assert.ok(mapped.includes(JSON.stringify(id).slice(1, -1)), `mapping for ${id}`);
    assert.equal(row(reach!, 'ce-3').state, 'unreachable');
  });
});
