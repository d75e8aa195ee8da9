/**
 * Acceptance: every query of the generated dashboards (panel targets, the template variable and the
 * annotations), with `$timeFilter`/`$__interval`/variables substituted as Grafana does, runs against
 * a real InfluxDB seeded with contract-shaped data and returns the series the panel expects.
 */
import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { testServices } from '../../stack/testing.ts';
import { encodeTagValue } from '../../contract/index.ts';
import { buildDeviceDashboard, buildTemplatedDeviceDashboard } from '../core/device-dashboard.ts';
import { buildFleetDashboard, FLEET_TABLE_FIELDS } from '../core/fleet-dashboard.ts';
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
          info: { name: 'Nord', site: 'Lyon' },
        },
        { id: 'ce-2', ifaces: ['wan', 'wanb'], outages: {}, reachable: true, info: { name: 'Two', site: null } },
        { id: 'ce-3', ifaces: ['wan'], outages: {}, reachable: false, info: { name: 'Three', site: 'Lyon' } },
        { id: 'ce-gone', ifaces: [], outages: {}, info: { name: 'Gone', site: null, removed: true } },
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
    const vars = { iface: { values: IFACES, multi: true }, rp: { values: ['raw'], multi: false } };
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
          // The report's definition over the 2-hour range: wanb offline 30 min, lte_1 the last 20 min.
          assert.equal(byIface.wan, 100, ctx);
          assert.ok(Math.abs(byIface.wanb! - 75) < 0.001, `${ctx}: wanb ${byIface.wanb}`);
          assert.ok(Math.abs(byIface.lte_1! - 100 * (100 / 120)) < 0.001, `${ctx}: lte_1 ${byIface.lte_1}`);
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

  /** Runs every annotation of a dashboard for 1 h and 400 d; each returns its text and tag columns. */
  async function checkAnnotations(list: Array<{ name?: string; target?: unknown }>, vars = {}) {
    for (const rangeMs of [3_600_000, 400 * 86_400_000]) {
      for (const a of list) {
        const t = a.target as { query: string; textColumn?: string; tagsColumn?: string };
        const s = await run(t.query, NOW - rangeMs, vars);
        const cols = s[0]?.columns ?? [];
        for (const c of [t.textColumn, ...(t.tagsColumn?.split(',') ?? [])].filter(Boolean))
          assert.ok(cols.includes(String(c)), `${a.name}: column ${c} missing in ${cols.join()}`);
      }
    }
  }

  it('every annotation query returns its text and tag columns, for 1 h and 400 d', async () => {
    const d = buildDeviceDashboard({ deviceId: DEV, name: 'Nord', site: 'Lyon', ifaces: IFACES, policies: [] });
    const list = d.annotations?.list ?? [];
    assert.deepEqual(
      list.map((a) => a.name),
      ['Link transitions', 'Notifications', 'Incidents', 'Device reachability'],
    );
    await checkAnnotations(list);
    // Incidents: the device's own, with the email subject as text.
    const incidents = list.find((a) => a.name === 'Incidents')!.target as unknown as { query: string };
    const s = await run(incidents.query, NOW - 3_600_000);
    const col = (name: string) => s[0]!.columns.indexOf(name);
    assert.deepEqual(
      s[0]!.values.map((r) => `${r[col('kind')]} ${r[col('title')]}`),
      ['link_up wanb UP', 'link_down lte_1 DOWN'],
    );
  });

  it('the templated device dashboard: every query, for 1 h on raw rounds and 400 d on the rollup', async () => {
    const d = buildTemplatedDeviceDashboard();
    const list = d.templating?.list ?? [];
    const deviceVar = list.find((v) => v.name === 'device');
    const ids = (await run(String(deviceVar?.query), NOW - 3_600_000)).flatMap((x) => x.values.map((r) => r[1]));
    assert.ok(ids.includes(encodeTagValue(DEV)) && ids.includes('ce-2'), `device variable: ${ids.join()}`);
    const device = { values: [encodeTagValue(DEV)], multi: false };
    const ifaceVar = list.find((v) => v.name === 'iface');
    const ifaces = await run(String(ifaceVar?.query), NOW - 3_600_000, { device });
    assert.deepEqual(new Set(ifaces.flatMap((x) => x.values.map((r) => r[1]))), new Set(IFACES));
    const rp = list.find((v) => v.name === 'rp') as { options?: Array<{ value: string }> } | undefined;
    assert.deepEqual(
      rp?.options?.map((o) => o.value),
      ['raw', 'rollup_1m'],
    );
    const panels = ((d.panels ?? []) as Panel[]).filter((p) => p.type !== 'row');
    for (const [rangeMs, rpValue] of [
      [3_600_000, 'raw'],
      [400 * 86_400_000, 'rollup_1m'],
    ] as const) {
      const vars = { device, iface: { values: IFACES, multi: true }, rp: { values: [rpValue], multi: false } };
      for (const p of panels) {
        for (const t of p.targets ?? []) {
          const fromMs = NOW - (p.timeFrom ? durMs(p.timeFrom) : rangeMs);
          const ctx = `${p.title} over ${rangeMs / 86_400_000} d: ${t.query}`;
          const text = String(t.query);
          // The latency, loss and jitter graphs must reach back beyond the raw data on long ranges.
          const usesRp = /latency|loss|jitter/i.test(String(p.title));
          // Raw-only panels (state, policies) have nothing older than the raw data: 1 h only.
          const anyRange = p.title === 'Device' || p.title?.startsWith('Availability');
          if (rangeMs > 86_400_000 && !usesRp && !p.timeFrom && !anyRange) {
            const r = await influxQuery(base, db, interpolate(text, { fromMs, toMs: NOW, vars }));
            assert.equal(r.error, undefined, ctx);
            continue;
          }
          const s = await run(text, fromMs, vars);
          if (p.title === 'Device') {
            assert.deepEqual([s[0]?.values[0]?.[1], s[0]?.values[0]?.[2]], ['Nord', 'Lyon'], ctx);
          } else if (p.title?.endsWith('per target')) {
            assert.deepEqual(tagSet(s, 'target'), new Set(['192.0.2.1', '198.51.100.7']), ctx);
          } else if (p.title?.startsWith('$iface')) {
            assert.ok(values(s).length > 0, ctx);
          } else if (p.title?.endsWith('by interface') || p.type === 'state-timeline' || p.type === 'stat') {
            assert.deepEqual(tagSet(s, 'iface'), new Set(IFACES), ctx);
          } else {
            assert.ok(values(s).length > 0, ctx);
          }
          if (usesRp && rpValue === 'rollup_1m') {
            // The 400-day view reads the rollup: its points reach back 30 days (the seeded history).
            const oldest = Math.min(
              ...s.flatMap((x) => x.values.filter((r) => typeof r[1] === 'number').map((r) => Number(r[0]))),
            );
            assert.ok(oldest < NOW - 25 * 86_400_000, `${ctx}: history back to ${new Date(oldest).toISOString()}`);
          }
        }
      }
    }
    const annotations = d.annotations?.list ?? [];
    assert.ok(annotations.some((a) => a.name === 'Incidents' && a.enable));
    await checkAnnotations(annotations, { device });
  });

  it('the fleet table and counters return every registered device with names and sites from InfluxDB', async () => {
    const d = buildFleetDashboard();
    const panels = (d.panels ?? []) as Panel[];
    const fromMs = NOW - 3_600_000;
    const byTitle = (t: string) => panels.find((p) => p.title === t);
    const count = async (t: string) => values(await run(String(byTitle(t)?.targets?.[0]?.query), fromMs))[0];
    assert.equal(await count('Devices reporting'), 3);
    assert.equal(await count('Devices with a link down'), 1);
    assert.equal(await count('Unreachable devices'), 1);
    // Emailed incidents by kind: 1 h sees lte_1 down and wanb up; 400 d also wanb's down.
    for (const [rangeMs, want] of [
      [3_600_000, { link_down: 1, link_up: 1 }],
      [400 * 86_400_000, { link_down: 2, link_up: 1 }],
    ] as const) {
      const s = await run(String(byTitle('Incidents emailed')?.targets?.[0]?.query), NOW - rangeMs);
      const byKind = Object.fromEntries(s.map((x) => [x.tags?.kind, values([x]).reduce((a, b) => a + b, 0)]));
      assert.deepEqual(byKind, want, `incidents over ${rangeMs / 86_400_000} d`);
    }

    const tbl = byTitle('Devices');
    const [info, links, lastSeen, reach] = await Promise.all(
      (tbl?.targets ?? []).map((t) => run(String(t.query), fromMs)),
    );
    const row = (s: InfluxSeries[], id: string) => {
      const x = s.find((y) => y.tags?.device === encodeTagValue(id));
      return Object.fromEntries((x?.columns ?? []).map((c, i) => [c, x?.values[0]?.[i]]));
    };
    // Names and sites by query; the deleted device is not listed.
    assert.deepEqual(tagSet(info!, 'device'), new Set([DEV, 'ce-2', 'ce-3'].map(encodeTagValue)));
    assert.deepEqual([row(info!, DEV).name, row(info!, DEV).site], ['Nord', 'Lyon']);
    assert.deepEqual([row(info!, 'ce-2').name, row(info!, 'ce-2').site], ['Two', '']);
    assert.deepEqual(
      [row(links!, DEV).links_up, row(links!, DEV).links_total, row(links!, DEV).worst_loss_pct],
      [2, 3, 100],
    );
    assert.deepEqual([row(links!, 'ce-2').links_up, row(links!, 'ce-2').links_total], [2, 2]);
    const seen = row(lastSeen!, DEV);
    assert.ok(Number(seen.time) > NOW - 60_000 && Number(seen.time) <= NOW, 'last seen is the latest round');
    assert.equal(row(reach!, 'ce-3').state, 'unreachable');
    // Every column the table keeps is produced by some frame (plus the renamed time of frame C).
    const columns = new Set(
      [info, links, lastSeen, reach].flatMap((s) => s!.flatMap((x) => [...x.columns, ...Object.keys(x.tags ?? {})])),
    );
    for (const f of FLEET_TABLE_FIELDS) if (f !== 'Last seen') assert.ok(columns.has(f), `column ${f}`);
    assert.doesNotMatch(JSON.stringify(d), /Nord|Lyon/, 'no device data baked into the fleet JSON');

    // Incidents of every device, off by default (a toggle), newest first.
    const annotations = d.annotations?.list ?? [];
    const incidents = annotations.find((a) => a.name === 'Incidents');
    assert.equal(incidents?.enable, false);
    await checkAnnotations(annotations);
    const t = incidents!.target as unknown as { query: string };
    const rows = await run(t.query, NOW - 3_600_000);
    const col = (name: string) => rows[0]!.columns.indexOf(name);
    assert.deepEqual(
      rows[0]!.values.map((r) => `${r[col('device')]}: ${r[col('title')]}`),
      [`${encodeTagValue(DEV)}: lte_1 DOWN`, `${encodeTagValue(DEV)}: wanb UP`],
    );
  });
});
