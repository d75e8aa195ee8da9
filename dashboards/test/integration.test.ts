/**
 * End to end through the real ingest (real Redis + InfluxDB): registering a device and changing its
 * multiWanV2 syncs its dashboard to (fake) Grafana; the HTTP routes serve the JSON and answer
 * problem+json for an unknown device; `wanwatch dashboards export|sync` work as CLI commands.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Router, type RequestHandler } from 'express';
import request from 'supertest';
import { pino } from 'pino';
import { startTestIngest, type TestIngest } from '../../test-support/ingest.ts';
import { testServices } from '../../stack/testing.ts';
import { createInventory } from '../inventory.ts';
import { createDashboardsHttpApi } from '../router.ts';
import { createDashboardSyncer, type DashboardSyncer } from '../sync-scheduler.ts';
import { startFakeGrafana, type FakeGrafana } from './fake-grafana.ts';
import { influxQuery, seed } from './seed.ts';

const silent = pino({ level: 'silent' });
const wanCfg = (name: string, metric: number) => ({
  interfaceName: name,
  targetIps: ['192.0.2.1'],
  failureInterval: 5,
  recoveryInterval: 5,
  pingInterval: 5,
  pingTimeout: 2,
  multiWANMetric: metric,
  multiWANWeight: 1,
  enable: true,
});

function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WANWATCH_')));
    execFile(
      process.execPath,
      ['bin/wanwatch.js', 'dashboards', ...args],
      { env: { ...clean, ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('dashboards through the real ingest, routes and CLI', () => {
  let t: TestIngest;
  let g: FakeGrafana;
  let syncer: DashboardSyncer | undefined;
  let inner: RequestHandler = (_req, _res, next) => next();
  const lazy = Router().use((req, res, next) => inner(req, res, next));
  const out = mkdtempSync(join(tmpdir(), 'ww-dash-export-'));
  const admin = () => ({ Authorization: `Bearer ${t.adminToken}` });

  before(async () => {
    g = await startFakeGrafana();
    t = await startTestIngest({ label: 'dash', routers: [lazy], onDeviceChanged: (id) => syncer?.schedule(id) });
    const inventory = createInventory({ redis: t.redis, keys: t.keys, influx: t.influx });
    inner = createDashboardsHttpApi({ redis: t.redis, keys: t.keys, influx: t.influx, logger: silent, inventory });
    syncer = createDashboardSyncer({
      grafanaUrl: g.url,
      grafanaToken: g.token,
      logger: silent,
      inventory,
      debounceMs: 50,
      retryBaseMs: 50,
    });
    const svc = await testServices();
    await seed(svc.influxBaseUrl, t.db, [{ id: 'ce-9', ifaces: ['wan', 'wanb'], outages: {} }], Date.now());
  });
  after(async () => {
    await syncer?.close();
    await t?.close();
    await g?.close();
    const svc = await testServices();
    if (t) await influxQuery(svc.influxBaseUrl, t.db, `DROP DATABASE "${t.db}"`);
    rmSync(out, { recursive: true, force: true });
  });

  it('registering a device and changing its multiwan syncs its dashboard into its site folder', async () => {
    await request(t.app)
      .post('/api/v1/devices')
      .set(admin())
      .send({ id: 'ce-9', name: 'Nine', site: 'Lyon' })
      .expect(201);
    await waitFor(() => g.dashboards.has('ww-ce-9'));
    assert.equal(g.dashboards.get('ww-ce-9')?.folderUid, 'wwsite-Lyon');
    assert.ok(g.dashboards.has('wanwatch-fleet'));
    const rows = () =>
      (g.dashboards.get('ww-ce-9')?.dashboard.panels as Array<{ type: string; title: string }>)
        .filter((p) => p.type === 'row')
        .map((p) => p.title);
    assert.deepEqual(rows(), ['Overview', 'Interface wan', 'Interface wanb']);

    const multiWan = {
      enable: true,
      mode: 'FAIL_OVER',
      notificationEmails: [],
      wanInterfaces: null,
      wanInterfacesConfig: { wan: wanCfg('wan', 1), lte: wanCfg('lte', 2) },
    };
    await request(t.app).put('/api/v1/devices/ce-9/multiwan').set(admin()).send(multiWan).expect(200);
    await waitFor(() => (g.dashboards.get('ww-ce-9')?.version ?? 0) >= 2);
    assert.deepEqual(
      rows(),
      ['Overview', 'Interface lte', 'Interface wan', 'Interface wanb'],
      'configured lte gets panels before it ever reported',
    );
    assert.equal(g.dashboards.get('ww-ce-9')?.folderUid, 'wwsite-Lyon');
    assert.deepEqual(g.violations, []);
  });

  it('serves the dashboards over HTTP and answers problem+json for an unknown device', async () => {
    const d = await request(t.app).get('/api/v1/devices/ce-9/dashboard').set(admin()).expect(200);
    assert.equal(d.body.uid, 'ww-ce-9');
    assert.equal(d.body.schemaVersion, 42);
    const f = await request(t.app).get('/api/v1/dashboards/fleet').set(admin()).expect(200);
    assert.equal(f.body.uid, 'wanwatch-fleet');
    // Names are read by Grafana from InfluxDB, not baked into the fleet JSON.
    assert.doesNotMatch(JSON.stringify(f.body), /Nine/);
    const nf = await request(t.app).get('/api/v1/devices/nope/dashboard').set(admin()).expect(404);
    assert.match(String(nf.headers['content-type']), /application\/problem\+json/);
    assert.equal(nf.body.code, 'not_found');
    await request(t.app).get('/api/v1/dashboards/fleet').expect(401);
  });

  it('wanwatch dashboards export writes dashboards and a provisioning set', async () => {
    const env = {
      WANWATCH_INFLUX_URL: t.influxUrl.replace('://', () => '://grafana:pa$$word@'),
      WANWATCH_REDIS_URL: t.redisUrl,
      WANWATCH_REDIS_PREFIX: t.prefix,
    };
    const r = await cli(['export', '--out', out], env);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /pa\$\$word/, 'no password on stdout');
    const ds = readFileSync(join(out, 'provisioning/datasources/wanwatch.yaml'), 'utf8');
    assert.match(ds, /uid: "wanwatch-influx"/);
    assert.match(ds, new RegExp(`dbName: "${t.db}"`));
    assert.match(ds, /password: "pa\$\$\$\$word"/, '$ doubled for Grafana env expansion');
    assert.equal(
      statSync(join(out, 'provisioning/datasources/wanwatch.yaml')).mode & 0o077,
      0,
      'datasource file is owner-only',
    );
    const prov = readFileSync(join(out, 'provisioning/dashboards/wanwatch.yaml'), 'utf8');
    assert.match(prov, /folderUid: "wwsite-Lyon"/);
    assert.ok(prov.includes(JSON.stringify(join(out, 'dashboards', 'wwsite-Lyon'))));
    const dev = JSON.parse(readFileSync(join(out, 'dashboards/wwsite-Lyon/ww-ce-9.json'), 'utf8')) as { uid: string };
    assert.equal(dev.uid, 'ww-ce-9');
    JSON.parse(readFileSync(join(out, 'dashboards/wanwatch/wanwatch-fleet.json'), 'utf8'));
    JSON.parse(readFileSync(join(out, 'dashboards/wanwatch/wanwatch-device.json'), 'utf8'));
    // The export backfills wan_device_info, where the fleet and device dashboards read the name.
    const info = await influxQuery(
      (await testServices()).influxBaseUrl,
      t.db,
      `SELECT last("name") AS "name", last("site") AS "site" FROM "forever"."wan_device_info" WHERE "device" = 'ce-9'`,
    );
    assert.deepEqual(info.series?.[0]?.values[0]?.slice(1), ['Nine', 'Lyon']);
  });

  it('wanwatch dashboards sync pushes them, and a bad token is reported clearly', async () => {
    const env = {
      WANWATCH_INFLUX_URL: t.influxUrl,
      WANWATCH_REDIS_URL: t.redisUrl,
      WANWATCH_REDIS_PREFIX: t.prefix,
      WANWATCH_GRAFANA_URL: g.url,
    };
    const ok = await cli(['sync'], { ...env, WANWATCH_GRAFANA_TOKEN: g.token });
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    assert.match(ok.stdout, /dashboard ww-ce-9: updated/);
    const bad = await cli(['sync'], { ...env, WANWATCH_GRAFANA_TOKEN: 'glsa_nope' });
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /401.*WANWATCH_GRAFANA_TOKEN/);
    assert.doesNotMatch(bad.stderr + bad.stdout, /glsa_nope/);
    const missing = await cli(['sync'], env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /WANWATCH_GRAFANA_TOKEN is required/);
    assert.deepEqual(g.violations, []);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for condition');
    await new Promise((r) => setTimeout(r, 20));
  }
}
