import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { testServices } from '../../stack/testing.ts';
import { loadBackendConfig, ConfigError } from '../../backend/config.ts';
import { sampleReport } from '../../test-support/records.ts';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'wanwatch.js');

async function startServe(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number; out: () => string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--role', 'api'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.on('data', (d) => (out += String(d)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (d: string) => {
      out += d;
      const m = /"port":(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  return { child, port, out: () => out };
}

describe('backend config', () => {
  it('names every missing required variable', () => {
    assert.throws(
      () => loadBackendConfig({}),
      (e: unknown) =>
        e instanceof ConfigError &&
        /WANWATCH_INFLUX_URL is required/.test(e.message) &&
        /WANWATCH_REDIS_URL is required/.test(e.message),
    );
  });
  it('names the bad key', () => {
    const env = {
      WANWATCH_INFLUX_URL: 'http://127.0.0.1:8086/ww',
      WANWATCH_REDIS_URL: 'redis://127.0.0.1:6379',
      WANWATCH_ADMIN_TOKEN: 'x'.repeat(20),
    };
    assert.equal(loadBackendConfig(env).port, 8080);
    assert.throws(() => loadBackendConfig({ ...env, WANWATCH_PORT: '99999' }), /WANWATCH_PORT/);
    assert.throws(
      () => loadBackendConfig({ ...env, WANWATCH_INFLUX_URL: 'http://127.0.0.1:8086/' }),
      /WANWATCH_INFLUX_URL: the path must name the database/,
    );
    assert.throws(
      () => loadBackendConfig({ ...env, WANWATCH_ALERT_EMAILS: 'noc@example.com, nope' }),
      /WANWATCH_ALERT_EMAILS/,
    );
    assert.deepEqual(loadBackendConfig({ ...env, WANWATCH_ALERT_EMAILS: 'a@example.com,b@example.com' }).alertEmails, [
      'a@example.com',
      'b@example.com',
    ]);
  });
});

describe('wanwatch serve + wanwatch device add (real processes)', () => {
  let child: ChildProcess | undefined;
  let env: NodeJS.ProcessEnv;
  let base = '';
  const admin = 'admin-token-for-serve-test';
  before(async () => {
    const svc = await testServices();
    env = {
      ...process.env,
      WANWATCH_INFLUX_URL: svc.influxDb('serve').url,
      WANWATCH_REDIS_URL: svc.redisUrl,
      WANWATCH_REDIS_PREFIX: svc.redisPrefix('serve'),
      WANWATCH_ADMIN_TOKEN: admin,
      WANWATCH_PORT: '0',
      // A Grafana that is never contacted in this test (no device changes after start); it turns the syncer on.
      WANWATCH_GRAFANA_URL: 'http://127.0.0.1:9',
      WANWATCH_GRAFANA_TOKEN: 'glsa_test',
    };
  });
  after(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('serve refuses to start without InfluxDB and Redis URLs, naming them', () => {
    const r = spawnSync(process.execPath, [CLI, 'serve'], {
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /WANWATCH_INFLUX_URL/);
    assert.match(r.stderr, /WANWATCH_REDIS_URL/);
  });

  it('registers a device from the CLI, takes its report over HTTP, stops cleanly on SIGTERM', async () => {
    const add = spawnSync(
      process.execPath,
      [CLI, 'device', 'add', 'cli-dev', '--name', 'Shop 1', '--email', 'owner@example.com', '--json'],
      {
        env,
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    assert.equal(add.status, 0, add.stderr);
    const { token, id } = JSON.parse(add.stdout) as { token: string; id: string };
    assert.equal(id, 'cli-dev');
    const again = spawnSync(process.execPath, [CLI, 'device', 'add', 'cli-dev'], {
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(again.status, 3);
    assert.match(again.stderr, /already exists/);

    const started = await startServe(env);
    child = started.child;
    const port = started.port;
    const out = () => started.out();
    base = `http://127.0.0.1:${port}`;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const res = await fetch(`${base}/api/v1/reports`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(sampleReport('cli-dev')),
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as { ackSeq: number }).ackSeq, 4);
    const list = (await (
      await fetch(`${base}/api/v1/devices`, { headers: { Authorization: `Bearer ${admin}` } })
    ).json()) as {
      devices: Array<{ id: string; ifaces: Record<string, { state: string }>; lastSeenMs: number }>;
    };
    assert.equal(list.devices[0]?.id, 'cli-dev');
    assert.equal(list.devices[0]?.ifaces.wan?.state, 'offline');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.ok(/^wanwatch_points_written_total 8$/m.test(metrics), 'points written counted');
    assert.ok(/wanwatch_http_requests_total\{method="POST",route="\/api\/v1\/reports",status="200"\} 1/.test(metrics));
    assert.doesNotMatch(out(), new RegExp(token.split('.')[1]!), 'the token never appears in logs');
    // The composition root plugs alerting, reports and dashboards in: their routes and metrics are served.
    assert.match(metrics, /^# TYPE wanwatch_grafana_sync_failures_total counter$/m, 'dashboards sync metric exported');
    const adminGet = (path: string) => fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${admin}` } });
    assert.equal((await adminGet('/api/v1/silences')).status, 200);
    assert.equal((await adminGet('/api/v1/devices/cli-dev/uptime')).status, 200);
    assert.equal((await adminGet('/api/v1/devices/cli-dev/dashboard')).status, 200);

    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0, out());
  });

  it('on SIGTERM finishes the reports in flight: every acknowledged one is in InfluxDB', async () => {
    const add = spawnSync(process.execPath, [CLI, 'device', 'add', 'term-dev', '--json'], {
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    const { token } = JSON.parse(add.stdout) as { token: string };
    const started = await startServe(env);
    child = started.child;
    const url = `http://127.0.0.1:${started.port}/api/v1/reports`;
    const base = Date.now() - 100_000;
    const send = (i: number) =>
      fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify(sampleReport('term-dev', { bootId: `boot-term-${i}`, baseMs: base + i * 2000, seq0: 1 })),
      }).then(
        async (r) => ({ status: r.status, body: (await r.json()) as { code?: string } }),
        () => ({ status: 0, body: {} as { code?: string } }),
      );
    assert.equal((await send(100)).status, 200, 'warm-up (token verified and cached)');
    const inFlight = Array.from({ length: 20 }, (_x, i) => send(i));
    // SIGTERM once the first answer is back, while the others are still in flight.
    await Promise.race(inFlight);
    child.kill('SIGTERM');
    const results = await Promise.all(inFlight);
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0, started.out());
    const acked = results.map((r, i) => ({ ...r, i })).filter((r) => r.status === 200);
    // 20 at once from one device: one is processed at a time, four wait, the rest are told to back off.
    for (const r of results) assert.ok([0, 200, 429, 503].includes(r.status), JSON.stringify(r));
    for (const r of results.filter((x) => x.status === 503)) assert.equal(r.body.code, 'shutting_down');
    for (const r of results.filter((x) => x.status === 429)) assert.equal(r.body.code, 'device_busy');
    const { InfluxDB } = await import('influx');
    const u = new URL(env.WANWATCH_INFLUX_URL!);
    const influx = new InfluxDB({ host: u.hostname, port: Number(u.port), database: u.pathname.slice(1) });
    const rows = await influx.query<{ boot_id: string }>(
      `SELECT "boot_id", "seq" FROM "forever"."wan_transition" WHERE "device" = 'term-dev'`,
    );
    const stored = new Set(rows.map((r) => r.boot_id));
    for (const r of acked) assert.ok(stored.has(`boot-term-${r.i}`), `acknowledged report ${r.i} is stored`);
    assert.ok(acked.length > 0, 'some reports were in flight and acknowledged');
  });
});
