/**
 * `sync` against a local HTTP server that checks each request against Grafana's documented API:
 * create, update keeping the folder, 409 on a folder created meanwhile, 412 version mismatch
 * (retried once, reported when it persists), 401/403 reported clearly, and the debounced syncer
 * (one sync per burst, transient failures retried, failures counted in the metric).
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { DeviceRecord } from '../../store/index.ts';
import { deviceDashboard, sharedDashboards } from '../dashboard-set.ts';
import { createGrafanaClient, GrafanaError } from '../grafana-client.ts';
import type { DashboardInventory } from '../inventory.ts';
import { syncDashboards } from '../sync-pass.ts';
import { createDashboardSyncer } from '../sync-scheduler.ts';
import { startFakeGrafana, type FakeGrafana } from './fake-grafana.ts';

const rec = (id: string, site: string | null): DeviceRecord => ({
  v: 1,
  id,
  name: `Device ${id}`,
  site,
  tokenHash: 'scrypt$x',
  createdAtMs: 0,
  notificationEmails: [],
  multiWan: null,
});

/** An in-memory inventory (our own interface; Grafana's side is the real HTTP contract). */
function memoryInventory(records: DeviceRecord[]): DashboardInventory & { calls: number } {
  const inv = {
    calls: 0,
    async listDevices() {
      inv.calls++;
      return records;
    },
    async countDevices() {
      inv.calls++;
      return records.length;
    },
    async loadDevice(id: string) {
      return records.find((r) => r.id === id) ?? null;
    },
    async reported() {
      return { ifaces: ['wan', 'wanb'], policies: ['balanced'] };
    },
  };
  return inv;
}

const silent = pino({ level: 'silent' });

describe('dashboard sync against the Grafana API contract', () => {
  let g: FakeGrafana;
  const records = [rec('ce-1', 'Lyon'), rec('ce-2', null)];
  const inv = memoryInventory(records);
  const items = async () => [
    ...sharedDashboards(),
    ...(await Promise.all(records.map((r) => deviceDashboard(inv, r)))),
  ];

  before(async () => {
    g = await startFakeGrafana();
  });
  after(async () => {
    await g.close();
  });
  beforeEach(() => {
    g.violations.length = 0;
    g.requests.length = 0;
    g.versionCheck.clear();
    g.hideFolders = false;
  });

  it('a Grafana 11 server gets JSON of its own schema version (WANWATCH_GRAFANA_VERSION=11)', async () => {
    const client = createGrafanaClient({ url: g.url, token: g.token });
    g.schemaVersion = 41;
    try {
      const too_new = await syncDashboards(client, sharedDashboards(), { message: 'test' });
      assert.ok(
        too_new.dashboards.every((d) => d.result === 'failed'),
        'schema 42 JSON is refused by the 11.6 contract',
      );
      g.violations.length = 0;
      const ok = await syncDashboards(
        client,
        sharedDashboards({ grafanaVersion: 11, perDevice: 'never', perDeviceMax: 0 }),
        { message: 'test' },
      );
      assert.deepEqual(g.violations, []);
      assert.ok(ok.dashboards.every((d) => d.result !== 'failed'));
    } finally {
      g.schemaVersion = 42;
      g.violations.length = 0;
      g.dashboards.clear();
      g.folders.clear();
    }
  });

  it('creates folders and dashboards, then updates them in the same folders', async () => {
    const client = createGrafanaClient({ url: g.url, token: g.token });
    const first = await syncDashboards(client, await items(), { message: 'test' });
    assert.deepEqual(g.violations, []);
    assert.deepEqual(first.folders.map((f) => [f.uid, f.result]).sort(), [
      ['wanwatch', 'created'],
      ['wwsite-Lyon', 'created'],
    ]);
    assert.deepEqual(
      first.dashboards.map((d) => [d.uid, d.result, d.version]),
      [
        ['wanwatch-fleet', 'created', 1],
        ['wanwatch-device', 'created', 1],
        ['ww-ce-1', 'created', 1],
        ['ww-ce-2', 'created', 1],
      ],
    );
    assert.equal(g.dashboards.get('ww-ce-1')?.folderUid, 'wwsite-Lyon');
    assert.equal(g.dashboards.get('ww-ce-2')?.folderUid, 'wanwatch');

    g.requests.length = 0;
    const second = await syncDashboards(client, await items(), { message: 'test' });
    assert.deepEqual(g.violations, []);
    assert.ok(second.folders.every((f) => f.result === 'existed'));
    assert.equal(
      g.requests.filter((r) => r.method === 'POST' && r.path === '/api/folders').length,
      0,
      'no folder POST when it exists',
    );
    assert.deepEqual(
      second.dashboards.map((d) => [d.result, d.version]),
      [
        ['updated', 2],
        ['updated', 2],
        ['updated', 2],
        ['updated', 2],
      ],
    );
    assert.equal(g.dashboards.get('ww-ce-1')?.folderUid, 'wwsite-Lyon', 'the update keeps the folder');
    for (const r of g.requests.filter((x) => x.path === '/api/dashboards/db'))
      assert.equal(typeof (r.body as { folderUid?: unknown }).folderUid, 'string');
  });

  it('treats 409 on folder creation as "already there"', async () => {
    g.hideFolders = true;
    const report = await syncDashboards(createGrafanaClient({ url: g.url, token: g.token }), await items(), {
      message: 'test',
    });
    assert.deepEqual(g.violations, []);
    assert.ok(report.folders.every((f) => f.result === 'existed'));
    assert.ok(report.dashboards.every((d) => d.result === 'updated'));
  });

  it('handles a 412 version mismatch by retrying against the current version', async () => {
    g.versionCheck.set('ww-ce-1', 'match');
    const before = g.dashboards.get('ww-ce-1')?.version ?? 0;
    const report = await syncDashboards(createGrafanaClient({ url: g.url, token: g.token }), await items(), {
      message: 'test',
      logger: silent,
    });
    assert.deepEqual(g.violations, []);
    const d = report.dashboards.find((x) => x.uid === 'ww-ce-1');
    assert.equal(d?.result, 'updated');
    assert.equal(d?.version, before + 1);
    assert.ok(
      g.requests.some((r) => r.method === 'GET' && r.path === '/api/dashboards/uid/ww-ce-1'),
      'read the current version',
    );
  });

  it('reports a persistent 412 for that dashboard and still syncs the others', async () => {
    g.versionCheck.set('ww-ce-2', 'always');
    const report = await syncDashboards(createGrafanaClient({ url: g.url, token: g.token }), await items(), {
      message: 'test',
      logger: silent,
    });
    const bad = report.dashboards.find((x) => x.uid === 'ww-ce-2');
    assert.equal(bad?.result, 'failed');
    assert.equal(bad?.errorKind, 'version_mismatch');
    assert.match(String(bad?.error), /412.*changed by someone else/);
    assert.ok(report.dashboards.filter((x) => x.uid !== 'ww-ce-2').every((x) => x.result === 'updated'));
  });

  it('reports 401 clearly, without the token, and stops', async () => {
    const client = createGrafanaClient({ url: g.url, token: 'glsa_wrong_secret' });
    await assert.rejects(syncDashboards(client, await items(), { message: 'test' }), (err: unknown) => {
      assert.ok(err instanceof GrafanaError);
      assert.equal(err.kind, 'auth');
      assert.equal(err.status, 401);
      assert.match(err.message, /WANWATCH_GRAFANA_TOKEN/);
      assert.doesNotMatch(err.message, /glsa_wrong_secret/);
      return true;
    });
    assert.equal(g.requests.length, 1, 'no further calls after an auth failure');
  });

  it('reports 403 as a missing role', async () => {
    g.failNext = { status: 403, count: 1 };
    await assert.rejects(
      syncDashboards(createGrafanaClient({ url: g.url, token: g.token }), await items(), { message: 'test' }),
      /Editor role/,
    );
  });

  it('syncer: one sync per burst, transient failures retried, failures counted', async () => {
    const registry = new Registry();
    const syncInv = memoryInventory(records);
    const syncer = createDashboardSyncer({
      grafanaUrl: g.url,
      grafanaToken: g.token,
      logger: silent,
      inventory: syncInv,
      debounceMs: 30,
      retryBaseMs: 20,
      registry,
    });
    try {
      g.requests.length = 0;
      for (let i = 0; i < 5; i++) syncer.schedule('ce-1');
      syncer.schedule('ce-2');
      await waitFor(() => g.requests.filter((r) => r.path === '/api/dashboards/db').length >= 4);
      await syncer.flush();
      assert.equal(syncInv.calls, 1, 'a burst of changes is one sync');
      assert.deepEqual(
        g.requests
          .filter((r) => r.path === '/api/dashboards/db')
          .map((r) => (r.body as { dashboard: { uid: string } }).dashboard.uid),
        ['wanwatch-fleet', 'wanwatch-device', 'ww-ce-1', 'ww-ce-2'],
      );

      const v0 = g.dashboards.get('ww-ce-1')?.version ?? 0;
      g.failNext = { status: 503, count: 2 };
      syncer.schedule('ce-1');
      // Two failed attempts (folder lookups answered 503), then the third one lands.
      await waitFor(() => (g.dashboards.get('ww-ce-1')?.version ?? 0) > v0);
      await syncer.flush();
      const metric = await registry.getSingleMetricAsString('wanwatch_grafana_sync_failures_total');
      assert.match(metric, /wanwatch_grafana_sync_failures_total\{kind="transient"\} [1-9]/);

      g.failNext = { status: 401, count: 1 };
      g.requests.length = 0;
      syncer.schedule('ce-1');
      await waitFor(async () =>
        /kind="auth"\} 1/.test(await registry.getSingleMetricAsString('wanwatch_grafana_sync_failures_total')),
      );
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(g.requests.length, 1, 'an auth failure is not retried');
      assert.deepEqual(g.violations, []);
    } finally {
      await syncer.close();
    }
  });
});

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting for condition');
    await new Promise((r) => setTimeout(r, 10));
  }
}
