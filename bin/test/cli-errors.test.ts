import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../stack/free-port.ts';
import { isAlive } from '../../stack/processes.ts';
import { testServices } from '../../stack/testing.ts';

/**
 * The CLI when something is wrong around it: a taken port, a service that is down or silent, a
 * missing setting. Each case ends promptly with one clear line and the documented exit code.
 */
const repo = join(import.meta.dirname, '..', '..');
const servers: Server[] = [];
const dirs: string[] = [];

function cli(
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number | null; stderr: string; stdout: string; ms: number }> {
  const { NODE_TEST_CONTEXT: _c, ...base } = process.env;
  const clean = Object.fromEntries(Object.entries(base).filter(([k]) => !k.startsWith('WANWATCH_')));
  const t0 = Date.now();
  const child = spawn(process.execPath, [join(repo, 'bin', 'wanwatch.js'), ...args], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...clean, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    }),
  );
}

/** A TCP port that accepts connections and never answers. */
async function silentPort(): Promise<number> {
  const srv = createServer(() => {});
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return (srv.address() as { port: number }).port;
}

describe('CLI errors', () => {
  after(() => {
    for (const s of servers) s.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('uptime without WANWATCH_INFLUX_URL exits 2 naming the variable', async () => {
    const r = await cli(['uptime', '--device', 'x'], { WANWATCH_REDIS_URL: 'redis://127.0.0.1:1' }, 30_000);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /WANWATCH_INFLUX_URL is required/);
  });

  it('uptime with Redis down names Redis in one line, without a stack trace', async () => {
    const r = await cli(
      ['uptime', '--device', 'x'],
      {
        WANWATCH_INFLUX_URL: 'http://127.0.0.1:1/wanwatch',
        WANWATCH_REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      },
      30_000,
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^wanwatch uptime: Redis at redis:\/\/127\.0\.0\.1:\d+ is not reachable/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\bat .*:\d+:\d+/);
  });

  it('dashboards sync against nothing prints one line and ends within the Grafana timeout', async () => {
    // The registry (no devices: only the fleet dashboard) comes from the suite's Redis.
    const svc = await testServices();
    const env = {
      WANWATCH_INFLUX_URL: 'http://127.0.0.1:1/wanwatch',
      WANWATCH_REDIS_URL: svc.redisUrl,
      WANWATCH_REDIS_PREFIX: svc.redisPrefix('clierr'),
      WANWATCH_GRAFANA_TOKEN: 'glsa_test',
    };
    for (const port of [await freePort(), await silentPort()]) {
      const r = await cli(['dashboards', 'sync'], { ...env, WANWATCH_GRAFANA_URL: `http://127.0.0.1:${port}` }, 40_000);
      assert.equal(r.code, 1, r.stderr + r.stdout);
      assert.match(r.stderr, /^wanwatch dashboards sync: Grafana at http:\/\/127\.0\.0\.1:\d+\/? is not reachable/);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(r.ms < 25_000, `ended after ${r.ms} ms`);
    }
  });

  it('up --port <taken> exits non-zero and stops the services it started', async () => {
    const taken = createServer();
    servers.push(taken);
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    const dataDir = mkdtempSync(join(tmpdir(), 'wanwatch-up-busy-'));
    dirs.push(dataDir);
    const running = cli(
      ['up', '--data-dir', dataDir, '--port', String(port)],
      { WANWATCH_LOG_LEVEL: 'error' },
      120_000,
    );
    // The stack's state file lists the services while they run (it is removed when they stop).
    let pids: number[] = [];
    let done = false;
    void running.then(() => (done = true));
    while (!done) {
      try {
        const state = JSON.parse(readFileSync(join(dataDir, 'stack', 'stack.json'), 'utf8')) as { pids: number[] };
        if (state.pids.length > pids.length) pids = state.pids;
      } catch {
        // not written yet, or already removed
      }
      await new Promise((res) => setTimeout(res, 50));
    }
    const r = await running;
    assert.equal(r.code, 1, r.stderr + r.stdout);
    assert.match(r.stderr, /could not start the backend: .*EADDRINUSE/);
    assert.equal(pids.length, 2, 'influxd and redis-server were started');
    const deadline = Date.now() + 15_000;
    while (pids.some(isAlive) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 200));
    assert.deepEqual(pids.filter(isAlive), [], 'influxd and redis-server are stopped');
  });
});
