import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ReportRecord } from '../../contract/index.ts';
import { openSpool, silentLogger } from '../spool/index.ts';
import { MWAN3_TEXT } from '../test/run-fixtures.ts';
import { buildLean, LEAN_REPORTER, NODE_CLI } from './lean-run.ts';

/**
 * `run` with UCI `option source 'mwan3'` (`--source mwan3`) in both builds: link state from `ubus call mwan3 status` (a fake `ubus`
 * first on PATH plays mwan3), the same records in the same order. The server is a closed loopback
 * port, so every record stays in the spool, where the test reads it back.
 */
const POLLS = [
  {
    interfaces: {
      wan: {
        status: 'online',
        enabled: true,
        up: true,
        score: 20,
        track_ip: [
          { ip: '192.0.2.1', status: 'up', latency: 12, packetloss: 0 },
          { ip: '192.0.2.9', status: 'up', latency: 18, packetloss: 50 },
        ],
      },
      lte: { status: 'online', enabled: false },
      wanb: { status: 'notracking', enabled: true, up: true, score: 0 },
      dsl: { status: 'notracking', enabled: true, up: true, score: 0 },
      wwan: { status: 'notracking', enabled: true, up: true, score: 0 },
    },
  },
  {
    interfaces: {
      wan: { status: 'offline', enabled: true, up: true, score: 0, track_ip: [{ ip: '192.0.2.1', status: 'down' }] },
      lte: { status: 'online', enabled: false },
      wanb: { status: 'notracking', enabled: true, up: true, score: 0 },
      dsl: { status: 'notracking', enabled: true, up: true, score: 0 },
      wwan: { status: 'notracking', enabled: true, up: true, score: 0 },
    },
  },
];

/** Answers poll n with POLLS[n] (the last one from then on); anything but `call mwan3 status` fails. */
const FAKE_UBUS = `#!/bin/sh
[ "$*" = "call mwan3 status" ] || { echo "fake ubus: unexpected $*" >&2; exit 2; }
dir=$(dirname "$0")
n=$(cat "$dir/polls" 2>/dev/null || echo 0)
echo $((n + 1)) > "$dir/polls"
[ "$n" -lt ${POLLS.length} ] || n=${POLLS.length - 1}
cat "$dir/poll-$n.json"
`;

const dirs: string[] = [];
before(() => buildLean());
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Outcome {
  transitions: string[];
  samples: Record<string, unknown>[];
}

async function runWithFakeUbus(build: 'node' | 'lean'): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), `ww-mwan3-src-${build}-`));
  dirs.push(dir);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'ubus'), FAKE_UBUS);
  chmodSync(join(bin, 'ubus'), 0o755);
  POLLS.forEach((p, i) => writeFileSync(join(bin, `poll-${i}.json`), JSON.stringify(p)));
  writeFileSync(join(dir, 'mwan3'), MWAN3_TEXT);
  const spoolDir = join(dir, 'spool');
  const args = [
    'run',
    ...['--server', 'http://127.0.0.1:1', '--device-id', 'ce-mwan3', '--token', 'tok-mwan3-source'],
    ...['--mwan3-config', join(dir, 'mwan3'), '--network-config', join(dir, 'none'), '--spool-dir', spoolDir],
    ...['--log-level', 'warn'],
  ];
  // The UCI option selects the source (as /etc/config/wanwatch does on the router).
  writeFileSync(join(dir, 'wanwatch'), "config reporter 'main'\n\toption source 'mwan3'\n");
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, WANWATCH_REPORTER_CONFIG: join(dir, 'wanwatch') };
  const child =
    build === 'lean'
      ? spawn('lua5.1', [LEAN_REPORTER, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(process.execPath, ['--import', 'tsx', NODE_CLI, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let errText = '';
  child.stderr.on('data', (c: Buffer) => (errText += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  // Poll 3 starts after poll 2 ended, so both changes of state are recorded by then.
  const polls = (): number => (existsSync(join(bin, 'polls')) ? Number(readFileSync(join(bin, 'polls'), 'utf8')) : 0);
  const end = Date.now() + 45_000;
  while (polls() < 4 && Date.now() < end && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGTERM');
  assert.equal(await exited, 0, errText);
  assert.ok(polls() >= 4, `${build}: only ${polls()} polls of ubus; ${errText}`);
  assert.doesNotMatch(errText, /ubus/, `${build}: ${errText}`);

  const spool = openSpool({ dir: spoolDir }, { logger: silentLogger });
  const records = spool.pending().map((e) => JSON.parse(e.json) as ReportRecord);
  spool.close();
  const transitions = records.flatMap((r) =>
    r.type === 'transition' ? [`${r.iface}:${r.from}>${r.to}:${r.reason}:${r.score}`] : [],
  );
  // Times differ between runs; everything else of a sample is mwan3's report.
  const samples = records.flatMap((r) => (r.type === 'sample' ? [{ ...r, timeMs: 0, seq: 0 }] : []));
  return { transitions, samples };
}

describe('--source mwan3 (ubus call mwan3 status), both builds', { timeout: 120_000 }, () => {
  const outcomes = new Map<string, Outcome>();
  for (const build of ['node', 'lean'] as const) {
    it(`${build}: samples each poll, a transition with reason mwan3 on each change, stop at the end`, async () => {
      const o = await runWithFakeUbus(build);
      outcomes.set(build, o);
      assert.deepEqual(o.transitions, [
        'wan:unknown>online:mwan3:20',
        'wan:online>offline:mwan3:0',
        'wan:offline>unknown:stop:0',
      ]);
      // One sample per enabled interface per poll, in mwan3's order; the disabled `lte` never.
      assert.deepEqual(
        o.samples.slice(0, 8).map((s) => `${String(s.iface)}:${String(s.state)}`),
        [
          ...['wan:online', 'wanb:unknown', 'dsl:unknown', 'wwan:unknown'],
          ...['wan:offline', 'wanb:unknown', 'dsl:unknown', 'wwan:unknown'],
        ],
      );
      assert.deepEqual(o.samples[0], {
        type: 'sample',
        timeMs: 0,
        seq: 0,
        iface: 'wan',
        state: 'online',
        score: 20,
        roundOk: true,
        degraded: false,
        rttAvgMs: 15,
        rttMinMs: 12,
        rttMaxMs: 18,
        lossPct: 25,
        jitterMs: null,
        targets: [],
      });
      assert.deepEqual(o.samples[4], {
        ...o.samples[4],
        state: 'offline',
        roundOk: false,
        rttAvgMs: null,
        lossPct: null,
      });
    });
  }
  it('both builds record the same samples', () => {
    const [node, lean] = [outcomes.get('node'), outcomes.get('lean')];
    assert.ok(node && lean, 'both runs completed');
    const n = Math.min(node.samples.length, lean.samples.length);
    assert.ok(n >= 12);
    assert.deepEqual(lean.samples.slice(0, n), node.samples.slice(0, n));
  });
});
