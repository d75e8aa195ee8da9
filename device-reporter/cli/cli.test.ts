import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseUci } from '../config/uci.ts';
import { writeStatusFile, type StatusFileV1 } from '../status/status-file.ts';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '../../bin/wanwatch-reporter.js');
const SEED = '/work/shared/fixtures/seed';

describe('wanwatch-reporter CLI', () => {
  it('render-mwan3 prints the seed config; status --assume-online prints the what-if', async () => {
    const [render, status] = await Promise.all([
      run('node', [
        BIN,
        'render-mwan3',
        '--multiwan',
        `${SEED}/last_config_response.json`,
        '--network-config',
        `${SEED}/etc-config-network`,
      ]),
      run('node', [BIN, 'status', '--mwan3-config', `${SEED}/etc-config-mwan3`, '--assume-online', '']),
    ]);
    const names = (t: string) =>
      parseUci(t)
        .sections.map((s) => `${s.type} ${s.name}`)
        .sort();
    assert.deepEqual(names(render.stdout), names(readFileSync(`${SEED}/etc-config-mwan3`, 'utf8')));
    assert.match(status.stdout, /^Interface status:\n interface eth1 is offline and tracking is active\n/);
    assert.match(status.stdout, /Current ipv4 policies:\nFAIL_OVER:\n unreachable\n/);
  });

  it('bad input exits 2 naming the field', async () => {
    await assert.rejects(
      run('node', [BIN, 'render-mwan3', '--multiwan', `${SEED}/etc-config-mwan3`]),
      (e: { code: number; stderr: string }) => e.code === 2 && /render-mwan3:/.test(e.stderr),
    );
  });
});

describe('wanwatch-reporter status (reads /etc/config/wanwatch or --config)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ww-status-cli-'));
  const spool = join(dir, 'flash spool');
  const uci = join(dir, 'wanwatch');
  writeFileSync(
    uci,
    `config reporter 'main'\n\toption spool_dir '${spool}'\n\toption mwan3_config '${SEED}/etc-config-mwan3'\n`,
  );
  const status = (args: string[]) =>
    run('node', [BIN, 'status', ...args], {
      env: { ...process.env, WANWATCH_REPORTER_CONFIG: join(dir, 'none') },
    }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
  const file = (o: Partial<StatusFileV1>): StatusFileV1 => ({
    v: 1,
    timeMs: Date.now(),
    writeEveryMs: 1000,
    ifaces: {
      eth1: { state: 'online', score: 10, routed: true, sinceMs: Date.now() - 5000 },
      eth0: { state: 'offline', score: 0, routed: false },
    },
    policies: [],
    counters: { recorded: 120, uploaded: 100, pending: 20, dropped: 1, thinned: 0 },
    ...o,
  });
  const deadPid = async () => {
    const { stdout } = await run('sh', ['-c', 'echo $$']);
    return Number(stdout.trim());
  };

  it('no status file: says no reporter is running', async () => {
    const r = await status(['--config', uci]);
    assert.equal(r.code, 3);
    assert.match(r.stdout, /^Reporter: no reporter running \(no status file\); states unknown\n/);
    assert.match(r.stdout, / interface eth1 is unknown and tracking is down/);
  });

  it('a live reporter: its states, and the counters', async () => {
    writeStatusFile(spool, file({ pid: process.pid }));
    const r = await status(['--config', uci]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Reporter: running \\(pid ${process.pid}\\), last update \\d+ s ago\n`));
    assert.match(r.stdout, /Records since start: recorded 120, uploaded 100, pending 20, dropped 1\n/);
    assert.match(r.stdout, / interface eth1 is online and tracking is active \(online 00h:00m:\d\ds\)/);
    assert.match(r.stdout, / interface eth0 is offline and tracking is active/);
  });

  it("a dead reporter's last file is not shown as live", async () => {
    const pid = await deadPid();
    writeStatusFile(spool, file({ pid, timeMs: Date.now() - 65_000 }));
    const r = await status(['--config', uci]);
    assert.equal(r.code, 3);
    assert.match(r.stdout, new RegExp(`^Reporter: no reporter running \\(pid ${pid} gone; last update 6\\d s ago\\)`));
    assert.match(r.stdout, / interface eth1 is unknown and tracking is down/);
  });

  it('a reporter that stopped updating is stale; a clean stop says so', async () => {
    writeStatusFile(spool, file({ pid: process.pid, timeMs: Date.now() - 40_000 }));
    let r = await status(['--config', uci]);
    assert.equal(r.code, 3);
    assert.match(r.stdout, /^Reporter: state is stale \(last update 4\d s ago\)/);
    assert.match(r.stdout, / interface eth1 is unknown/);
    writeStatusFile(spool, file({ pid: process.pid, stoppedMs: Date.now() - 3000 }));
    r = await status(['--spool-dir', spool, '--mwan3-config', `${SEED}/etc-config-mwan3`]);
    assert.match(r.stdout, /^Reporter: no reporter running \(stopped cleanly \d+ s ago\)/);
  });

  it('--config naming a missing file is bad input', async () => {
    const r = await status(['--config', join(dir, 'missing')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--config .*missing: no such file/);
    rmSync(dir, { recursive: true, force: true });
  });
});
