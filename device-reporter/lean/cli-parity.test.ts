import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildLean, root, runLean, runNodeCli } from './lean-run.ts';

/**
 * Both builds print the same bytes: `--help`, `render-mwan3` of the seed config, `status
 * --assume-online` what-ifs and `status` of a reporter's status file (issue #16 acceptance).
 */
const seed = join(root, 'fixtures', 'seed');
const multiwan = join(seed, 'last_config_response.json');
const network = join(seed, 'etc-config-network');
const mwan3 = join(seed, 'etc-config-mwan3');
const dir = mkdtempSync(join(tmpdir(), 'ww-lean-cli-'));
// Keep a router's own /etc/config/wanwatch and WANWATCH_* out of the comparison.
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  WANWATCH_REPORTER_CONFIG: join(dir, 'none'),
};

before(() => buildLean());
after(() => rmSync(dir, { recursive: true, force: true }));

/** Node starts a second later than Lua: ages in seconds may differ by that much, nothing else. */
const withoutAges = (text: string): string =>
  text.replace(/\d+ s ago/g, 'N s ago').replace(/online \d\dh:\d\dm:\d\ds/g, 'online HH:MM:SS');

async function same(
  args: string[],
  view: (stdout: string) => string = (s) => s,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [node, lean] = await Promise.all([runNodeCli(args, { env }), runLean(args, { env })]);
  assert.equal(view(lean.stdout), view(node.stdout), `stdout of ${args.join(' ')}`);
  assert.equal(lean.stderr, node.stderr, `stderr of ${args.join(' ')}`);
  assert.equal(lean.code, node.code, `exit code of ${args.join(' ')}`);
  return lean;
}

describe('lean build: the same output as the Node build', () => {
  it('--help of the reporter and of each command', async () => {
    const top = await same(['--help']);
    assert.match(top.stdout, /render-mwan3/);
    await same(['render-mwan3', '--help']);
    await same(['status', '--help']);
  });

  it('render-mwan3 of the seed last_config_response.json, with and without the network config', async () => {
    const withNet = await same(['render-mwan3', '--multiwan', multiwan, '--network-config', network]);
    assert.equal(withNet.code, 0);
    assert.match(withNet.stdout, /config policy 'LOAD_BALANCE'/);
    await same(['render-mwan3', '--multiwan', multiwan]);
  });

  it('render-mwan3: a missing flag is exit 2 in both', async () => {
    const r = await same(['render-mwan3']);
    assert.equal(r.code, 2);
  });

  it('status --assume-online what-ifs: every subset of the seed links, none, and an unknown name', async () => {
    for (const list of ['', 'eth0', 'eth1', 'wlm0', 'eth0,eth1', 'eth1,eth0,wlm0', 'eth0, eth1', 'eth9']) {
      const r = await same(['status', '--mwan3-config', mwan3, '--assume-online', list]);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^Interface status:/);
    }
  });

  it('status of a running reporter (status file) and of a stopped one', async () => {
    const spool = join(dir, 'spool');
    const file = (over: object) => {
      rmSync(spool, { recursive: true, force: true });
      mkdirSync(spool, { recursive: true });
      writeFileSync(
        join(spool, 'status.json'),
        JSON.stringify({
          v: 1,
          timeMs: Date.now(),
          pid: process.pid,
          writeEveryMs: 3_600_000,
          ifaces: {
            eth0: { state: 'online', score: 10, routed: true, sinceMs: Date.now() - 3_723_000 },
            eth1: { state: 'disconnecting', score: 4, routed: true },
            wlm0: { state: 'offline', score: 0, untracked: 'no track_ip' },
          },
          policies: [],
          counters: { recorded: 12, uploaded: 10, pending: 2, dropped: 0, thinned: 3 },
          ...over,
        }),
      );
    };
    file({});
    const live = await same(['status', '--mwan3-config', mwan3, '--spool-dir', spool], withoutAges);
    assert.equal(live.code, 0);
    assert.match(live.stdout, /interface eth0 is online and tracking is active \(online 01h:02m:0\ds\)/);
    assert.match(live.stdout, /^Reporter: running \(pid \d+\), last update \d s ago\n/);
    file({ stoppedMs: Date.now() - 5_000 });
    const stopped = await same(['status', '--mwan3-config', mwan3, '--spool-dir', spool], withoutAges);
    assert.equal(stopped.code, 3);
    rmSync(spool, { recursive: true, force: true });
    const none = await same(['status', '--mwan3-config', mwan3, '--spool-dir', spool]);
    assert.match(none.stdout, /no status file/);
  });
});
