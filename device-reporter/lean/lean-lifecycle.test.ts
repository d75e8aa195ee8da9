import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSpool, silentLogger } from '../spool/index.ts';
import { buildLean, LEAN_REPORTER } from './lean-run.ts';

/**
 * The lean build's lifecycle events, with the Node build's semantics (docs/alerts.md, Lifecycle
 * events): netifd `ifdown` takes a link offline at once and pauses it, `ifup` restarts its
 * tracking; SIGHUP re-reads the mwan3 configuration and only changed, added and removed links get
 * `config` records. Targets are loopback addresses; the server is a closed loopback port, so every
 * record stays in the spool, where the test reads it with the Node spool.
 */
const dir = mkdtempSync(join(tmpdir(), 'ww-lean-life-'));
before(() => buildLean());
after(() => rmSync(dir, { recursive: true, force: true }));

const iface = (name: string, target: string, timeoutS = 1): string =>
  `config interface '${name}'\n\toption enabled '1'\n\tlist track_ip '${target}'\n\toption interval '1'\n` +
  `\toption timeout '${timeoutS}'\n\toption down '2'\n\toption up '2'\n`;

interface Transition {
  iface: string;
  from: string;
  to: string;
  reason: string;
}

describe('lean build: netifd hotplug and SIGHUP reload', () => {
  it('ifdown/ifup act at once; reload restarts only what changed', { timeout: 90_000 }, async () => {
    const mwan3 = join(dir, 'mwan3');
    writeFileSync(mwan3, iface('wan', '127.0.0.1') + '\n' + iface('wanb', '127.0.0.2'));
    const spoolDir = join(dir, 'spool');
    const child = spawn(
      'lua5.1',
      [
        LEAN_REPORTER,
        'run',
        ...['--server', 'http://127.0.0.1:9', '--device-id', 'ce-life-1', '--token', 'life-token-0123456'],
        ...['--mwan3-config', mwan3, '--network-config', join(dir, 'none'), '--spool-dir', spoolDir],
        ...['--log-level', 'error'],
      ],
      {
        env: { ...process.env, WANWATCH_REPORTER_CONFIG: join(dir, 'none'), WANWATCH_TEST_TRACE: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let states: Record<string, string> = {};
    let samples = 0;
    let out = '';
    let errText = '';
    child.stderr.on('data', (c: Buffer) => (errText += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line.startsWith('st ')) states = (JSON.parse(line.slice(3)) as { states: Record<string, string> }).states;
        else if (line.endsWith(' sample')) samples++;
      }
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const until = async (what: string, cond: () => boolean, ms = 20_000): Promise<void> => {
      const end = Date.now() + ms;
      while (!cond()) {
        if (Date.now() > end)
          assert.fail(`timed out waiting for ${what}; states ${JSON.stringify(states)}; ${errText}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    // As the hotplug handler writes an event: a temp file renamed into place.
    const hotplug = (action: string, name: string): void => {
      const tmp = join(spoolDir, 'hotplug', `.${name}.tmp`);
      writeFileSync(tmp, `${action} ${name}\n`);
      renameSync(tmp, join(spoolDir, 'hotplug', name));
    };
    try {
      await until('both links online', () => states.wan === 'online' && states.wanb === 'online');
      hotplug('ifdown', 'wan');
      await until('wan offline after ifdown', () => states.wan === 'offline');
      const pausedAt = samples;
      await new Promise((r) => setTimeout(r, 2_500));
      assert.equal(states.wan, 'offline', 'no probe brings an ifdown link back');
      assert.ok(samples - pausedAt <= 4, 'only wanb keeps sampling');
      hotplug('ifup', 'wan');
      await until('wan online again after ifup', () => states.wan === 'online');
      const resumedAt = samples;
      await until('both links sampling again', () => samples - resumedAt >= 6);

      // Reload: wan unchanged, wanb's timeout changed, wanc added.
      writeFileSync(
        mwan3,
        iface('wan', '127.0.0.1') + '\n' + iface('wanb', '127.0.0.2', 2) + '\n' + iface('wanc', '127.0.0.3'),
      );
      child.kill('SIGHUP');
      await until('wanc tracked after reload', () => states.wanc === 'online' && states.wanb === 'online');
      child.kill('SIGTERM');
      assert.equal(await exited, 0, errText);
    } finally {
      child.kill('SIGKILL');
    }
    const spool = openSpool({ dir: spoolDir }, { logger: silentLogger });
    const transitions = spool
      .pending()
      .filter((e) => e.type === 'transition')
      .map((e) => JSON.parse(e.json) as Transition)
      .map((t) => `${t.iface} ${t.from}->${t.to} ${t.reason}`);
    spool.close();
    const of = (name: string): string[] => transitions.filter((t) => t.startsWith(`${name} `));
    // initial_state online (mwan3's default): a (re)started link opens online, then tracks.
    assert.deepEqual(of('wan'), [
      'wan unknown->online start',
      'wan online->offline ifdown',
      'wan offline->online ifup',
      'wan online->unknown stop',
    ]);
    assert.deepEqual(of('wanb'), [
      'wanb unknown->online start',
      'wanb online->unknown config',
      'wanb unknown->online config',
      'wanb online->unknown stop',
    ]);
    assert.deepEqual(of('wanc'), ['wanc unknown->online config', 'wanc online->unknown stop']);
  });
});
