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
import { startTestIngest, type TestIngest } from '../../test-support/ingest.ts';

/**
 * The single-file bundle, end to end: built by device-reporter/build.ts, started as
 * `wanwatch-reporter run` with flags, real ping to 127.0.0.1 (loopback only), uploading to the real
 * ingest; a SIGHUP with nothing changed adds no record; `status` shows it running with its counters;
SIGTERM stops it with exit 0 and everything delivered, after which `status` says it stopped; a
restart opens from the confirmed state of the first run. Reports bundle size and RSS.
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
      `config interface 'wan'\n\toption enabled '1'\n\tlist track_ip '127.0.0.1'\n\toption interval '1'\n\toption timeout '1'\n\toption up '2'\n`,
    );
    const env = { ...process.env, WANWATCH_REPORTER_CONFIG: join(dir, 'none') };
    const startBundle = () => {
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
        { stdio: ['ignore', 'ignore', 'pipe'], env },
      );
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      return { child, exited, stderr: () => stderr };
    };
    const status = () =>
      new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const p = spawn(
          process.execPath,
          [bundle, 'status', '--spool-dir', join(dir, 'spool'), '--mwan3-config', join(dir, 'mwan3')],
          {
            stdio: ['ignore', 'pipe', 'inherit'],
            env,
          },
        );
        let stdout = '';
        p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        p.on('exit', (code) => resolve({ code, stdout }));
      });
    const transitionsOfBoot = async (bootOf: 'first' | 'last') => {
      const tr = await ing.influx.query<{
        from_state: string;
        to_state: string;
        reason: string;
        boot_id: string;
        seq: number;
      }>(`SELECT from_state, to_state, reason, boot_id, seq FROM forever.wan_transition WHERE device = '${DEVICE}'`);
      const boots = [...new Set(tr.sort((x, y) => x.seq - y.seq).map((x) => x.boot_id))];
      const boot = bootOf === 'first' ? boots[0] : boots[boots.length - 1];
      return tr.filter((x) => x.boot_id === boot).map((x) => `${x.from_state}>${x.to_state}:${x.reason}`);
    };

    const first = startBundle();
    await new Promise((r) => setTimeout(r, 2000));
    first.child.kill('SIGHUP'); // reload, nothing changed: no records
    await new Promise((r) => setTimeout(r, 2000));
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${first.child.pid}/status`, 'utf8'))?.[1]);
    t.diagnostic(`bundle ${bytes} bytes; reporter RSS while streaming ${Math.round(rssKb / 1024)} MiB`);
    const live = await status();
    assert.equal(live.code, 0, live.stdout);
    assert.match(live.stdout, new RegExp(`^Reporter: running \\(pid ${first.child.pid}\\)`));
    assert.match(live.stdout, /Records since start: recorded [1-9]\d*, uploaded \d+, pending \d+, dropped 0/);
    assert.match(live.stdout, / interface wan is online and tracking is active/);
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.stderr());
    const stopped = await status();
    assert.equal(stopped.code, 3);
    assert.match(stopped.stdout, /^Reporter: no reporter running \(stopped cleanly \d+ s ago\)/);

    await ing.points.drain();
    const pts = await ing.influx.query<{ state: string; rtt_avg_ms: number }>(
      `SELECT state, rtt_avg_ms FROM raw.wan_iface WHERE device = '${DEVICE}'`,
    );
    assert.ok(pts.length >= 2, `samples: ${pts.length}`);
    assert.ok(pts.some((p) => p.state === 'online' && p.rtt_avg_ms >= 0));
    assert.deepEqual(await transitionsOfBoot('first'), ['unknown>online:start', 'online>unknown:stop']);

    // A restart opens from the state the first run confirmed (up = 2 good rounds).
    const second = startBundle();
    await new Promise((r) => setTimeout(r, 1500));
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.stderr());
    await ing.points.drain();
    assert.deepEqual(await transitionsOfBoot('last'), ['online>online:start', 'online>unknown:stop']);
  });
});
