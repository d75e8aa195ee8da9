/**
 * Names that are keys of Object.prototype (`__proto__`, `constructor`, `toString`,
 * `hasOwnProperty`) are legal mwan3 interface, target and policy names, and legal device ids,
 * names and sites. One pipeline run through the real backend (real InfluxDB, Redis, HTTP on
 * loopback): reports in, then every read path out — device views, events, uptime as JSON, CSV and
 * HTML, the device and fleet dashboards — must show each name as the data it is.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReportRecord } from '../contract/index.ts';
import { sample, target, transition } from '../test-support/records.ts';
import { startTestBackend, type TestBackend } from '../test-support/test-backend.ts';

const ADMIN = 'hostile-names-admin-token-0123';
const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'] as const;
/** Device ids must start with a letter or digit, so `__proto__` is a name and a site only. */
const DEVICES = [
  { id: 'constructor', name: '__proto__', site: 'toString' },
  { id: 'toString', name: 'hasOwnProperty', site: '__proto__' },
  { id: 'hasOwnProperty', name: 'constructor', site: 'constructor' },
];
const MIN = 60_000;

function records(t0: number): ReportRecord[] {
  const out: ReportRecord[] = [];
  let seq = 0;
  for (const iface of NAMES)
    out.push(transition({ seq: ++seq, timeMs: t0, iface, from: 'unknown', to: 'online', reason: 'start' }));
  for (const iface of NAMES) {
    out.push(
      sample({
        seq: ++seq,
        timeMs: t0 + MIN,
        iface,
        rttAvgMs: 10,
        rttMinMs: 9,
        rttMaxMs: 11,
        jitterMs: 1,
        targets: NAMES.map((name) => ({ ...target(name), rttAvgMs: 10, rttMinMs: 10, rttMaxMs: 10 })),
      }),
    );
  }
  out.push({
    type: 'policy',
    seq: ++seq,
    timeMs: t0 + MIN,
    policies: NAMES.map((policy) => ({
      policy,
      family: 'ipv4' as const,
      members: NAMES.map((iface) => ({ iface, sharePct: 25, metric: 1, weight: 1 })),
      lastResort: 'unreachable' as const,
      lastResortActive: false,
    })),
  });
  out.push(transition({ seq: ++seq, timeMs: t0 + 2 * MIN, iface: 'constructor' }));
  out.push(transition({ seq: ++seq, timeMs: t0 + 3 * MIN, iface: 'constructor', from: 'offline', to: 'online' }));
  return out;
}

describe('Object.prototype names through the whole pipeline', () => {
  let t: TestBackend;
  const t0 = Date.now() - 30 * MIN;
  const get = async (path: string) => {
    const res = await fetch(`${t.base}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };

  before(async () => {
    t = await startTestBackend({ label: 'hnames', adminToken: ADMIN, role: 'api' });
    for (const d of DEVICES) {
      const reg = await fetch(`${t.base}/api/v1/devices`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify(d),
      });
      const body = (await reg.json()) as { token: string; name: string; site: string };
      assert.equal(reg.status, 201, JSON.stringify(body));
      assert.equal(body.name, d.name);
      assert.equal(body.site, d.site);
      const report = {
        v: 1,
        deviceId: d.id,
        bootId: 'names-boot-1',
        sentAtMs: Date.now(),
        reportIntervalMs: 5000,
        records: records(t0),
      };
      const res = await fetch(`${t.base}/api/v1/reports`, {
        method: 'POST',
        headers: { authorization: `Bearer ${body.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(report),
      });
      assert.equal(res.status, 200, await res.text());
    }
  });
  after(async () => {
    await t?.close();
  });

  it('GET /devices/:id and /devices show every interface, policy, name and site', async () => {
    for (const d of DEVICES) {
      const r = await get(`/api/v1/devices/${d.id}`);
      assert.equal(r.status, 200, r.text);
      const view = JSON.parse(r.text) as {
        id: string;
        name: string;
        site: string;
        ifaces: Record<string, { state: string }>;
        policies: Array<{ policy: string; members: Array<{ iface: string }> }>;
      };
      assert.equal(view.id, d.id);
      assert.equal(view.name, d.name);
      assert.equal(view.site, d.site);
      assert.deepEqual(Object.keys(view.ifaces).sort(), [...NAMES].sort());
      for (const n of NAMES) assert.equal(Object.getOwnPropertyDescriptor(view.ifaces, n)?.value.state, 'online', n);
      assert.deepEqual(view.policies.map((p) => p.policy).sort(), [...NAMES].sort());
      assert.deepEqual(
        view.policies[0]!.members.map((m) => m.iface),
        [...NAMES],
      );
    }
    const list = JSON.parse((await get('/api/v1/devices')).text) as { devices: Array<{ id: string; name: string }> };
    assert.deepEqual(list.devices.map((x) => x.id).sort(), DEVICES.map((x) => x.id).sort());
  });

  it('GET /devices/:id/events lists the transitions of every interface', async () => {
    for (const d of DEVICES) {
      const r = await get(`/api/v1/devices/${d.id}/events?from=${t0 - MIN}&to=${Date.now()}`);
      assert.equal(r.status, 200, r.text);
      const events = (JSON.parse(r.text) as { events: Array<{ type: string; iface?: string }> }).events;
      const ifaces = events.filter((e) => e.type === 'transition').map((e) => e.iface);
      for (const n of NAMES) assert.ok(ifaces.includes(n), `${d.id}: ${n} in ${JSON.stringify(ifaces)}`);
      assert.equal(ifaces.filter((i) => i === 'constructor').length, 3);
    }
  });

  it('uptime as JSON, CSV and HTML, per device and for the fleet, carries every name', async () => {
    const range = `from=${new Date(t0 - MIN).toISOString()}&to=${Date.now()}`;
    for (const d of DEVICES) {
      const json = await get(`/api/v1/devices/${d.id}/uptime?${range}`);
      assert.equal(json.status, 200, json.text);
      const report = JSON.parse(json.text) as { ifaces: Array<{ iface: string }> };
      assert.deepEqual(report.ifaces.map((i) => i.iface).sort(), [...NAMES].sort());
      const csv = await get(`/api/v1/devices/${d.id}/uptime?${range}&format=csv`);
      assert.equal(csv.status, 200, csv.text);
      assert.match(csv.type, /text\/csv/);
      for (const n of NAMES) assert.ok(csv.text.includes(`,${n},`), `CSV row of ${n}:\n${csv.text}`);
      const html = await get(`/api/v1/devices/${d.id}/uptime?${range}&format=html`);
      assert.equal(html.status, 200, html.text);
      for (const n of NAMES) assert.ok(html.text.includes(`>${n}<`), `HTML cell of ${n}`);
      assert.ok(html.text.includes(d.name), 'device name in the HTML page');
    }
    const fleet = await get(`/api/v1/uptime?${range}`);
    assert.equal(fleet.status, 200, fleet.text);
    for (const d of DEVICES) assert.ok(fleet.text.includes(`"deviceId":"${d.id}"`), `${d.id} in the fleet report`);
    for (const format of ['csv', 'html']) {
      const r = await get(`/api/v1/uptime?${range}&format=${format}`);
      assert.equal(r.status, 200, r.text);
      for (const d of DEVICES) assert.ok(r.text.includes(d.id), `${d.id} in the fleet ${format}`);
    }
  });

  it('the device and fleet dashboards have a panel per interface and every device', async () => {
    for (const d of DEVICES) {
      const r = await get(`/api/v1/devices/${d.id}/dashboard`);
      assert.equal(r.status, 200, r.text);
      for (const n of NAMES) assert.ok(r.text.includes(JSON.stringify(n).slice(1, -1)), `${d.id} dashboard shows ${n}`);
      const dash = JSON.parse(r.text) as { title: string };
      assert.ok(dash.title.includes(d.name), `title ${dash.title}`);
    }
    const fleet = await get('/api/v1/dashboards/fleet');
    assert.equal(fleet.status, 200, fleet.text);
    for (const d of DEVICES) assert.ok(!fleet.text.includes(`"${d.id}"`), `no device data in the fleet dashboard`);
    // The fleet reads names and sites from wan_device_info, written when each device registered.
    const info = new Map<string, { name: string; site: string }>();
    for (const deadline = Date.now() + 20_000; info.size < DEVICES.length && Date.now() < deadline; ) {
      const rows = await t.backend.ctx.influx.query<{ device: string; name: string; site: string }>(
        'SELECT last("name") AS "name", last("site") AS "site" FROM "forever"."wan_device_info" GROUP BY "device"',
      );
      for (const r of rows) info.set(r.device, { name: r.name, site: r.site });
      if (info.size < DEVICES.length) await new Promise((res) => setTimeout(res, 200));
    }
    for (const d of DEVICES) assert.deepEqual(info.get(d.id), { name: d.name, site: d.site }, `${d.id} info`);
  });

  // The alerting side of these names (one DOWN and one UP email per link, nothing blocked) is
  // alerting/test/names.integration.test.ts; a poison job is alerting/test/poison.integration.test.ts.
});
