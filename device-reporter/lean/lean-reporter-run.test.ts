import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
// Tests only: the REAL ingest is the peer (the reporter itself never imports backend code).
// eslint-disable-next-line no-restricted-imports
import { startTestIngest, type TestIngest } from '../../test-support/ingest.ts';
import { openSpool, silentLogger } from '../spool/index.ts';
import { assertStoredOnce } from '../test/stored-once.ts';
import { buildLean, LEAN_REPORTER, runLean } from './lean-run.ts';

/**
 * `lua5.1 dist/wanwatch-reporter.lua run` against the real ingest on loopback: probes two
 * loopback targets with real ping, spools, uploads, answers `status`, stops on SIGTERM with
 * `stop` records and a flushed spool; every sample and transition is in InfluxDB exactly once.
 * No packet leaves the machine (targets and backend are on 127.0.0.0/8).
 */
const dir = mkdtempSync(join(tmpdir(), 'ww-lean-run-'));
let ing: TestIngest;
let server: http.Server;
let serverUrl = '';
before(async () => {
  buildLean();
  ing = await startTestIngest({ label: 'lean_run' });
  server = http.createServer(ing.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  serverUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await ing?.close();
  rmSync(dir, { recursive: true, force: true });
});

const MWAN3 = `config interface 'wan'
\toption enabled '1'
\tlist track_ip '127.0.0.1'
\toption interval '1'
\toption timeout '1'
\toption down '2'
\toption up '2'

config interface 'wanb'
\toption enabled '1'
\tlist track_ip '127.0.0.2'
\toption interval '1'
\toption timeout '1'
\toption down '2'
\toption up '2'

config member 'wan_m1_w1'
\toption interface 'wan'
\toption metric '1'
\toption weight '1'

config member 'wanb_m1_w2'
\toption interface 'wanb'
\toption metric '1'
\toption weight '2'

config policy 'balanced'
\tlist use_member 'wan_m1_w1'
\tlist use_member 'wanb_m1_w2'
`;

describe('lean build: run', () => {
  it('rejects bad settings naming them, as the Node build does', async () => {
    const r = await runLean(['run', '--server', 'ftp://x'], {
      env: { ...process.env, WANWATCH_REPORTER_CONFIG: join(dir, 'none') },
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /server \(--server, WANWATCH_SERVER, uci option server\)/);
    assert.match(r.stderr, /deviceId \(--device-id, WANWATCH_DEVICE_ID, uci option device_id\): is required/);
  });

  it('tracks, uploads, answers status and stops cleanly; everything stored once', { timeout: 90_000 }, async () => {
    const DEVICE = 'ce-lean-1';
    const token = await ing.addDevice(DEVICE);
    writeFileSync(join(dir, 'mwan3'), MWAN3);
    const spoolDir = join(dir, 'spool');
    const env = {
      ...process.env,
      WANWATCH_REPORTER_CONFIG: join(dir, 'none'),
      WANWATCH_TOKEN: token,
      WANWATCH_TEST_TRACE: '1',
    };
    const child = spawn(
      'lua5.1',
      [
        LEAN_REPORTER,
        'run',
        '--server',
        serverUrl,
        '--device-id',
        DEVICE,
        '--mwan3-config',
        join(dir, 'mwan3'),
        '--network-config',
        join(dir, 'none'),
        '--spool-dir',
        spoolDir,
        '--upload-interval',
        '1',
        '--policy-interval',
        '2',
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const spooled: { seq: number; type: string }[] = [];
    let last: { states: Record<string, string>; byRoute: Record<string, number>; pending: number } | undefined;
    let stopped: number | undefined;
    let out = '';
    let errText = '';
    child.stderr.on('data', (c: Buffer) => (errText += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        const [kind, a, b] = line.split(' ');
        if (kind === 's') spooled.push({ seq: Number(a), type: b! });
        else if (kind === 'st') last = JSON.parse(line.slice(3)) as typeof last;
        else if (kind === 'stopped') stopped = Number(a);
      }
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const until = async (what: string, cond: () => boolean, ms: number) => {
      const end = Date.now() + ms;
      while (!cond()) {
        if (Date.now() > end) assert.fail(`timed out waiting for ${what}; last ${JSON.stringify(last)}; ${errText}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await until(
      'samples of both links uploaded',
      () => spooled.filter((s) => s.type === 'sample').length >= 6 && (last?.byRoute.default ?? 0) >= 3,
      30_000,
    );
    assert.deepEqual(last!.states, { wan: 'online', wanb: 'online' });
    assert.ok(
      spooled.some((s) => s.type === 'policy'),
      'a policy snapshot once both links have a state',
    );

    const st = await runLean(['status', '--mwan3-config', join(dir, 'mwan3'), '--spool-dir', spoolDir], { env });
    assert.equal(st.code, 0, st.stdout + st.stderr);
    assert.match(st.stdout, /^Reporter: running \(pid \d+\)/);
    assert.match(st.stdout, /interface wan is online and tracking is active \(online 00h:00m:\d\ds\)/);
    assert.match(st.stdout, /balanced:\n wanb \(66%\)\n wan \(33%\)/);
    assert.match(st.stdout, /dropped 0/);

    child.kill('SIGTERM');
    assert.equal(await exited, 0, errText);
    assert.equal(stopped, 0, 'the spool was flushed on SIGTERM');
    const types = spooled.map((s) => s.type);
    assert.equal(types.filter((t) => t === 'transition').length, 4, 'start and stop for each link');
    // The spool it leaves is the Node build's format: the Node spool opens it, nothing pending.
    const spool = openSpool({ dir: spoolDir }, { logger: silentLogger });
    assert.equal(spool.stats().pendingRecords, 0);
    assert.equal(spool.stats().corruptLines, 0);
    spool.close();
    assert.ok(statSync(join(spoolDir, 'status.json')).size > 0);
    await ing.points.drain();
    await assertStoredOnce((x) => ing.influx.query<Record<string, unknown>>(x), DEVICE, spooled);
  });
});
