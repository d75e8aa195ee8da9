import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSpool, silentLogger, type UnsequencedRecord } from '../spool/index.ts';
import { crc32Js } from '../spool/line-codec.ts';
import { buildLean, LEAN_HARNESS, runHarness } from './lean-run.ts';

/**
 * One spool, two builds: a router can switch between the Node and the Lua reporter without
 * losing or re-sending a record. Each build reads what the other wrote (records byte-for-byte
 * equal as JSON values, acknowledgements kept, seq continuing), and the Lua spool survives a
 * torn last line and `kill -9` mid-append as the Node spool does (test/spool-crash.test.ts).
 */
const T0 = Date.UTC(2026, 0, 1);
const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'ww-lean-spool-'));
  dirs.push(d);
  return d;
}
before(() => buildLean());
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Every third sample is a lost round: its figures are null, which Lua tables cannot hold. */
function sample(i: number, iface = 'wan'): UnsequencedRecord {
  if (i % 3 === 0)
    return {
      type: 'sample',
      timeMs: T0 + i * 1000,
      iface,
      state: 'disconnecting',
      score: 5,
      roundOk: false,
      degraded: false,
      rttAvgMs: null,
      rttMinMs: null,
      rttMaxMs: null,
      lossPct: 100,
      jitterMs: null,
      targets: [
        {
          target: '192.0.2.1',
          status: 'down',
          sent: 1,
          received: 0,
          rttAvgMs: null,
          rttMinMs: null,
          rttMaxMs: null,
          lossPct: 100,
          jitterMs: null,
        },
      ],
    };
  return {
    type: 'sample',
    timeMs: T0 + i * 1000,
    iface,
    device: 'eth1',
    state: 'online',
    score: 10,
    roundOk: true,
    degraded: false,
    rttAvgMs: 12.345,
    rttMinMs: 10.1,
    rttMaxMs: 15,
    lossPct: 33.333,
    jitterMs: 0.7,
    targets: [
      {
        target: '192.0.2.1',
        status: 'up',
        sent: 3,
        received: 2,
        rttAvgMs: 12.345,
        rttMinMs: 10.1,
        rttMaxMs: 15,
        lossPct: 33.333,
        jitterMs: 0.7,
      },
    ],
  };
}
function transition(i: number): UnsequencedRecord {
  return {
    type: 'transition',
    timeMs: T0 + i * 1000,
    iface: 'wan',
    from: 'online',
    to: 'offline',
    score: 0,
    reason: 'track',
  };
}
function policy(i: number): UnsequencedRecord {
  return {
    type: 'policy',
    timeMs: T0 + i * 1000,
    policies: [
      {
        policy: 'balanced',
        family: 'ipv4',
        members: [{ iface: 'wan', sharePct: 100, metric: 1, weight: 3 }],
        lastResort: 'unreachable',
        lastResortActive: false,
      },
    ],
  };
}
const mixed = (n: number, from = 0): UnsequencedRecord[] =>
  Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return i % 5 === 2 ? transition(i) : i % 11 === 7 ? policy(i) : sample(i, i % 2 ? 'wan' : 'wanb');
  });

interface LuaPending {
  entries: { seq: number; bootId: string; record: Record<string, unknown> }[];
  stats: { pendingRecords: number; lastSeq: number; tornTails: number; corruptLines: number };
}

async function luaPending(dir: string): Promise<LuaPending> {
  const r = await runHarness(['spool-pending', dir]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const stats = lines.pop()!.stats as LuaPending['stats'];
  return { entries: lines as LuaPending['entries'], stats };
}

function nodePending(dir: string) {
  const spool = openSpool({ dir }, { logger: silentLogger });
  const entries = spool.pending().map((e) => ({ seq: e.seq, bootId: e.bootId, record: JSON.parse(e.json) as unknown }));
  const stats = spool.stats();
  spool.close();
  return { entries, stats };
}

async function luaAppend(dir: string, bootId: string, records: UnsequencedRecord[]): Promise<number[]> {
  const r = await runHarness(['spool-append', dir, bootId], {
    input: records.map((x) => JSON.stringify(x)).join('\n') + '\n',
  });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').map(Number);
}

describe('spool: the Node and the Lua build share it', () => {
  it('line checksums: CRC-32 equal to the Node build, on zlib, a bit library and plain Lua', async () => {
    const texts = ['', 'a', '{"b":"boot","r":{"seq":1}}', 'ünïcode ✓ \u0000\xff', 'x'.repeat(3000)];
    const want = texts.map((t) => crc32Js(t));
    const r = await runHarness(['crc32'], { input: JSON.stringify(texts) });
    assert.equal(r.code, 0, r.stderr);
    const got = JSON.parse(r.stdout) as { impl: string; crcs: number[] }[];
    // lua-zlib and lua-bit32 are test packages (stack/debian-packages.ts): every way is exercised.
    assert.deepEqual(
      got.map((g) => g.impl),
      ['zlib', 'bit', 'arithmetic'],
    );
    for (const g of got) assert.deepEqual(g.crcs, want, g.impl);
  });

  it('Lua reads what Node wrote and acknowledged', async () => {
    const dir = tmp();
    const spool = openSpool({ dir, segmentBytes: 4096 }, { logger: silentLogger });
    for (const r of mixed(60)) spool.append('node-boot', r);
    spool.ack([1, 2, 3, 10, 11, 40]);
    spool.close();
    const node = nodePending(dir);
    const lua = await luaPending(dir);
    assert.equal(lua.stats.lastSeq, 60);
    assert.equal(lua.entries.length, 54);
    assert.deepEqual(lua.entries, node.entries);
  });

  it('Node reads what Lua wrote; seq continues across builds; acks made by Lua hold for Node', async () => {
    const dir = tmp();
    const seqs = await luaAppend(dir, 'lua-boot', mixed(40));
    assert.deepEqual(
      seqs,
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    const node = nodePending(dir);
    assert.equal(node.stats.corruptLines, 0, 'every Lua line passes the Node schema');
    assert.equal(node.entries.length, 40);
    assert.deepEqual(
      node.entries.map((e) => e.record),
      mixed(40).map((r, i) => ({ ...r, seq: i + 1 })),
    );
    const spool = openSpool({ dir }, { logger: silentLogger });
    spool.append('node-boot', transition(100));
    spool.close();
    const more = await luaAppend(dir, 'lua-boot-2', [sample(101)]);
    assert.deepEqual(more, [42]);
    const ack = await runHarness(['spool-ack', dir, ...Array.from({ length: 30 }, (_, i) => String(i + 1))]);
    assert.equal(ack.code, 0, ack.stderr);
    const after = nodePending(dir);
    assert.deepEqual(
      after.entries.map((e) => e.seq),
      Array.from({ length: 12 }, (_, i) => i + 31),
    );
    assert.deepEqual(after.entries.at(-1)!.bootId, 'lua-boot-2');
    assert.deepEqual((await luaPending(dir)).entries, after.entries);
  });

  it('Lua cuts a torn last line (as left by a power cut) and loses nothing complete', async () => {
    const dir = tmp();
    const spool = openSpool({ dir }, { logger: silentLogger });
    for (const r of mixed(10)) spool.append('node-boot', r);
    spool.close();
    const seg = readdirSync(dir).find((f) => f.startsWith('seg-'))!;
    appendFileSync(join(dir, seg), '1234abcd {"b":"node-boot","r":{"type":"sam');
    const lua = await luaPending(dir);
    assert.equal(lua.stats.tornTails, 1);
    assert.equal(lua.stats.corruptLines, 0);
    assert.deepEqual(
      lua.entries.map((e) => e.seq),
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
    assert.deepEqual(await luaAppend(dir, 'lua-boot', [transition(11)]), [11]);
    const node = nodePending(dir);
    assert.equal(node.stats.tornTails, 0, 'the torn line is gone, the new one did not glue onto it');
    assert.equal(node.stats.corruptLines, 0);
    assert.equal(node.entries.length, 11);
  });

  it('kill -9 of the Lua build mid-append, three times, alternating with the Node build', async () => {
    const dir = tmp();
    const promised: number[] = [];
    let acked: number[] = [];
    for (let round = 0; round < 3; round++) {
      promised.push(...(await killLuaAfter(dir, `lua-${round}`, 150 + round * 37)));
      const spool = openSpool({ dir, segmentBytes: 8192 }, { logger: silentLogger });
      const pending = spool.pending().map((e) => e.seq);
      for (const q of promised) assert.ok(acked.includes(q) || pending.includes(q), `seq ${q} lost (round ${round})`);
      const toAck = pending.slice(0, 50);
      spool.ack(toAck);
      acked = [...acked, ...toAck];
      const e = spool.append(`node-${round}`, transition(round));
      promised.push(e.seq);
      spool.close();
    }
    const final = nodePending(dir);
    assert.equal(new Set(promised).size, promised.length, 'seq never reused');
    for (const q of promised) assert.ok(acked.includes(q) || final.entries.some((e) => e.seq === q), `seq ${q} lost`);
    assert.equal(final.stats.corruptLines, 0);
  });
});

/** Starts the Lua spool appending a long stream of records and kills it with SIGKILL after `n` are promised. */
function killLuaAfter(dir: string, bootId: string, n: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('lua5.1', [LEAN_HARNESS, 'spool-append', dir, bootId], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, SPOOL_SEGMENT_BYTES: '8192' },
    });
    const seqs: number[] = [];
    let buf = '';
    const deadline = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        seqs.push(Number(buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
        if (seqs.length === n) child.kill('SIGKILL');
      }
    });
    child.stdin.on('error', () => undefined);
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(deadline);
      if (signal !== 'SIGKILL') reject(new Error(`the Lua spool ended by itself after ${seqs.length} appends`));
      else resolve(seqs);
    });
    child.stdin.end(
      mixed(5000)
        .map((x) => JSON.stringify(x))
        .join('\n') + '\n',
    );
  });
}
