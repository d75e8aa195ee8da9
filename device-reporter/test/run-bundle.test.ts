import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
// Tests only: the REAL ingest is the peer (the reporter itself never imports backend code).
// eslint-disable-next-line no-restricted-imports
import { startTestIngest, type TestIngest } from '../../ingest/testing.ts';

/**
 * The single-file bundle, end to end: built by device-reporter/build.ts, started as
 * `wanwatch-reporter run` with flags, real ping to 127.0.0.1 (loopback only), uploading to the real
 * ingest; SIGTERM stops it with exit 0 and everything delivered. Reports bundle size and RSS.
 */
const root = join(import.meta.dirname, '..', '..');
const bundle = join(root, 'dist', 'wanwatch-reporter.mjs');
const dir = mkdtempSync(join(tmpdir(), 'ww-bundle-'));
let ing: TestIngest;
let server: http.Server;
before(async () => {
  ing = await startTestIngest({ label: 'bundle' });
  server = http.createServer(ing.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await ing.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the reporter bundle', () => {
  it('is one file without backend code that runs, streams and stops cleanly', async (t) => {
    execFileSync(process.execPath, ['--import', 'tsx', join(root, 'device-reporter', 'build.ts')], {
      cwd: root,
      stdio: 'pipe',
    });
    const bytes = statSync(bundle).size;
    assert.ok(bytes > 10_000 && bytes < 2_000_000, `bundle ${bytes} bytes`);
    assert.doesNotMatch(readFileSync(bundle, 'utf8'), /from"(express|ioredis|influx|bullmq|pino)"/);

    const bad = spawn(process.execPath, [bundle, 'run', '--server', 'ftp://x'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, WANWATCH_REPORTER_CONFIG: join(dir, 'none') },
    });
    let badErr = '';
    bad.stderr.on('data', (c: Buffer) => (badErr += c.toString()));
    assert.equal(await new Promise((r) => bad.on('exit', r)), 2);
    assert.match(badErr, /server \(--server, WANWATCH_SERVER, uci option server\)/);

    const DEVICE = 'ce-bundle-1';
    const token = await ing.addDevice(DEVICE);
    writeFileSync(
      join(dir, 'mwan3'),
      `config interface 'wan'\n\toption enabled '1'\n\tlist track_ip '127.0.0.1'\n\toption interval '1'\n\toption timeout '1'\n`,
    );
    const child = spawn(
      process.execPath,
      [
        bundle,
        'run',
        '--server',
        `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        '--device-id',
        DEVICE,
        '--token',
        token,
        '--mwan3-config',
        join(dir, 'mwan3'),
        '--network-config',
        join(dir, 'no-network'),
        '--spool-dir',
        join(dir, 'spool'),
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, WANWATCH_REPORTER_CONFIG: join(dir, 'none') } },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await new Promise((r) => setTimeout(r, 4000));
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]);
    t.diagnostic(`bundle ${bytes} bytes; reporter RSS while streaming ${Math.round(rssKb / 1024)} MiB`);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    await ing.points.drain();
    const pts = await ing.influx.query<{ state: string; rtt_avg_ms: number }>(
      `SELECT state, rtt_avg_ms FROM raw.wan_iface WHERE device = '${DEVICE}'`,
    );
    assert.ok(pts.length >= 2, `samples: ${pts.length}`);
    assert.ok(pts.some((p) => p.state === 'online' && p.rtt_avg_ms >= 0));
    const tr = await ing.influx.query<{ reason: string }>(
      `SELECT reason FROM forever.wan_transition WHERE device = '${DEVICE}'`,
    );
    assert.deepEqual(tr.map((x) => x.reason).sort(), ['start', 'stop']);
  });
});
