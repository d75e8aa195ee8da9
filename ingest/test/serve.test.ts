import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { testServices } from '../../stack/testing.ts';
import { loadBackendConfig, ConfigError } from '../../bin/backend-config.ts';
import { sampleReport } from './fixtures.ts';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'wanwatch.js');

describe('backend config', () => {
  it('names every missing required variable', () => {
    assert.throws(
      () => loadBackendConfig({}),
      (e: unknown) => e instanceof ConfigError && /WANWATCH_INFLUX_URL is required/.test(e.message) && /WANWATCH_REDIS_URL is required/.test(e.message),
    );
  });
  it('names the bad key', () => {
    const env = { WANWATCH_INFLUX_URL: 'http://127.0.0.1:8086/ww', WANWATCH_REDIS_URL: 'redis://127.0.0.1:6379', WANWATCH_ADMIN_TOKEN: 'x'.repeat(20) };
    assert.equal(loadBackendConfig(env).port, 8080);
    assert.throws(() => loadBackendConfig({ ...env, WANWATCH_PORT: '99999' }), /WANWATCH_PORT/);
    assert.throws(() => loadBackendConfig({ ...env, WANWATCH_INFLUX_URL: 'http://127.0.0.1:8086/' }), /WANWATCH_INFLUX_URL: the path must name the database/);
    assert.throws(() => loadBackendConfig({ ...env, WANWATCH_ALERT_EMAILS: 'noc@example.com, nope' }), /WANWATCH_ALERT_EMAILS/);
    assert.deepEqual(loadBackendConfig({ ...env, WANWATCH_ALERT_EMAILS: 'a@example.com,b@example.com' }).alertEmails, ['a@example.com', 'b@example.com']);
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
    };
  });
  after(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('serve refuses to start without InfluxDB and Redis URLs, naming them', () => {
    const r = spawnSync(process.execPath, [CLI, 'serve'], { env: { PATH: process.env.PATH }, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /WANWATCH_INFLUX_URL/);
    assert.match(r.stderr, /WANWATCH_REDIS_URL/);
  });

  it('registers a device from the CLI, takes its report over HTTP, stops cleanly on SIGTERM', async () => {
    const add = spawnSync(process.execPath, [CLI, 'device', 'add', 'cli-dev', '--name', 'Shop 1', '--email', 'owner@example.com', '--json'], {
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(add.status, 0, add.stderr);
    const { token, id } = JSON.parse(add.stdout) as { token: string; id: string };
    assert.equal(id, 'cli-dev');
    const again = spawnSync(process.execPath, [CLI, 'device', 'add', 'cli-dev'], { env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(again.status, 3);
    assert.match(again.stderr, /already exists/);

    child = spawn(process.execPath, [CLI, 'serve', '--role', 'api'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stderr!.on('data', (d) => (out += String(d)));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 30_000);
      child!.stdout!.on('data', (d: string) => {
        out += d;
        const m = /"port":(\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    base = `http://127.0.0.1:${port}`;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const res = await fetch(`${base}/api/v1/reports`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(sampleReport('cli-dev')),
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as { ackSeq: number }).ackSeq, 4);
    const list = (await (await fetch(`${base}/api/v1/devices`, { headers: { Authorization: `Bearer ${admin}` } })).json()) as {
      devices: Array<{ id: string; ifaces: Record<string, { state: string }>; lastSeenMs: number }>;
    };
    assert.equal(list.devices[0]?.id, 'cli-dev');
    assert.equal(list.devices[0]?.ifaces.wan?.state, 'offline');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.ok(/^wanwatch_points_written_total 8$/m.test(metrics), 'points written counted');
    assert.ok(/wanwatch_http_requests_total\{method="POST",route="\/api\/v1\/reports",status="200"\} 1/.test(metrics));
    assert.doesNotMatch(out, new RegExp(token.split('.')[1]!), 'the token never appears in logs');

    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0, out);
  });
});
