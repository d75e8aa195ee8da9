import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createJsonLogger, openSpool, silentLogger, type UnsequencedRecord } from '../spool/index.ts';
import { addSeqs, hasSeq, pruneBelow } from '../spool/seq-ranges.ts';
import { thinSegment } from '../spool/thinning.ts';
import { crc32, crc32Js } from '../spool/line-codec.ts';

const T0 = Date.UTC(2026, 0, 1);
const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'ww-spool-'));
  dirs.push(d);
  return d;
}
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function sample(i: number, iface = 'wan'): UnsequencedRecord {
  return {
    type: 'sample',
    timeMs: T0 + i * 1000,
    iface,
    state: 'online',
    score: 10,
    roundOk: true,
    degraded: false,
    rttAvgMs: 12.5,
    rttMinMs: 10,
    rttMaxMs: 15,
    lossPct: 0,
    jitterMs: 1,
    targets: [],
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

describe('seq ranges and thinning (pure)', () => {
  it('has a CRC-32 fallback equal to zlib (for routers on Node < 20.15)', () => {
    for (const t of ['', 'hello', '{"b":"x","r":{"é":1}}']) assert.equal(crc32Js(t), crc32(t));
    assert.equal(crc32Js('123456789'), 0xcbf43926);
  });
  it('merges, finds and prunes ranges', () => {
    const r = addSeqs([[1, 3]], [5, 4, 9, 10, 12]);
    assert.deepEqual(r, [
      [1, 5],
      [9, 10],
      [12, 12],
    ]);
    assert.equal(hasSeq(r, 4), true);
    assert.equal(hasSeq(r, 11), false);
    assert.deepEqual(pruneBelow(r, 10), [
      [10, 10],
      [12, 12],
    ]);
  });
  it('keeps transitions and policies, every Nth sample per interface, drops acknowledged', () => {
    const entries = [
      { seq: 1, type: 'sample' as const, iface: 'a' },
      { seq: 2, type: 'sample' as const, iface: 'b' },
      { seq: 3, type: 'sample' as const, iface: 'a' },
      { seq: 4, type: 'transition' as const, iface: 'a' },
      { seq: 5, type: 'sample' as const, iface: 'b' },
      { seq: 6, type: 'policy' as const },
      { seq: 7, type: 'sample' as const, iface: 'a' },
      { seq: 8, type: 'sample' as const, iface: 'a' },
    ];
    const d = thinSegment(entries, (s) => s === 8, 2);
    assert.deepEqual(
      d.keep.map((e) => e.seq),
      [1, 2, 4, 6, 7],
    );
    assert.equal(d.thinnedSamples, 2);
    assert.equal(d.droppedAcked, 1);
  });
});

describe('spool', () => {
  it('numbers records with one counter that continues across restarts and boots', () => {
    const dir = tmp();
    let s = openSpool({ dir }, { logger: silentLogger });
    for (let i = 0; i < 5; i++) s.append('boot-aaaaaaaa', sample(i));
    s.close();
    s = openSpool({ dir }, { logger: silentLogger });
    const e = s.append('boot-bbbbbbbb', transition(9));
    assert.equal(e.seq, 6);
    assert.deepEqual(
      s.pending().map((p) => [p.seq, p.bootId]),
      [
        [1, 'boot-aaaaaaaa'],
        [2, 'boot-aaaaaaaa'],
        [3, 'boot-aaaaaaaa'],
        [4, 'boot-aaaaaaaa'],
        [5, 'boot-aaaaaaaa'],
        [6, 'boot-bbbbbbbb'],
      ],
    );
    assert.equal(JSON.parse(s.pending()[5]!.json).reason, 'track');
    s.close();
  });

  it('forgets acknowledged records, deletes their segments and keeps the counter when all is acknowledged', () => {
    const dir = tmp();
    let s = openSpool({ dir, segmentBytes: 600 }, { logger: silentLogger });
    for (let i = 0; i < 20; i++) s.append('boot-aaaaaaaa', sample(i));
    const segsBefore = readdirSync(dir).filter((f) => f.startsWith('seg-')).length;
    assert.ok(segsBefore > 3, `several segments (${segsBefore})`);
    s.ack([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 16]);
    assert.deepEqual(
      s.pending().map((p) => p.seq),
      [11, 12, 13, 14, 17, 18, 19, 20],
    );
    assert.ok(readdirSync(dir).filter((f) => f.startsWith('seg-')).length < segsBefore);
    s.close();
    s = openSpool({ dir, segmentBytes: 600 }, { logger: silentLogger });
    assert.deepEqual(
      s.pending().map((p) => p.seq),
      [11, 12, 13, 14, 17, 18, 19, 20],
    );
    s.ack(s.pending().map((p) => p.seq));
    assert.equal(readdirSync(dir).filter((f) => f.startsWith('seg-')).length, 0);
    s.close();
    s = openSpool({ dir }, { logger: silentLogger });
    assert.equal(s.append('boot-cccccccc', sample(30)).seq, 21);
    s.close();
  });

  it('tolerates a torn last line and a corrupted line, counting both', () => {
    const dir = tmp();
    let s = openSpool({ dir }, { logger: silentLogger });
    for (let i = 0; i < 4; i++) s.append('boot-aaaaaaaa', sample(i));
    s.close();
    const seg = readdirSync(dir).find((f) => f.startsWith('seg-'))!;
    const lines = readFileSync(join(dir, seg), 'utf8').split('\n');
    // Flip one character inside line 2's JSON (checksum no longer matches), then add a torn line.
    lines[1] = lines[1]!.replace('"score":10', '"score":11');
    writeFileSync(join(dir, seg), lines.join('\n'));
    appendFileSync(join(dir, seg), lines[2]!.slice(0, 40));
    s = openSpool({ dir }, { logger: silentLogger });
    assert.deepEqual(
      s.pending().map((p) => p.seq),
      [1, 3, 4],
    );
    assert.equal(s.stats().tornTails, 1);
    assert.equal(s.stats().corruptLines, 1);
    assert.equal(s.append('boot-bbbbbbbb', sample(5)).seq, 5);
    s.close();
    s = openSpool({ dir }, { logger: silentLogger });
    assert.deepEqual(
      s.pending().map((p) => p.seq),
      [1, 3, 4, 5],
    );
    assert.equal(s.stats().tornTails, 0);
    s.close();
  });

  it('rejects an invalid record without consuming a seq', () => {
    const s = openSpool({ dir: tmp() }, { logger: silentLogger });
    assert.throws(() => s.append('boot-aaaaaaaa', { ...sample(1), timeMs: 5 } as UnsequencedRecord));
    assert.equal(s.append('boot-aaaaaaaa', sample(1)).seq, 1);
    s.close();
  });

  it('when full, thins old samples, keeps every transition, counts and logs it', () => {
    const dir = tmp();
    const logLines: string[] = [];
    const logger = createJsonLogger('info', (l) => logLines.push(l));
    const maxBytes = 32 * 1024;
    let s = openSpool({ dir, maxBytes, segmentBytes: 4 * 1024, fsync: 'never' }, { logger });
    const transitions: number[] = [];
    for (let i = 0; i < 1500; i++) {
      const e = s.append('boot-aaaaaaaa', i % 25 === 0 ? transition(i) : sample(i, i % 2 ? 'wan' : 'wanb'));
      if (e.type === 'transition') transitions.push(e.seq);
    }
    const st = s.stats();
    assert.ok(st.bytes <= maxBytes, `bytes ${st.bytes} <= ${maxBytes}`);
    assert.ok(st.thinnedSamples > 500, `thinned ${st.thinnedSamples}`);
    const pend = s.pending();
    assert.deepEqual(
      pend.filter((p) => p.type === 'transition').map((p) => p.seq),
      transitions,
    );
    // The newest records are untouched: the last 20 seqs are all there.
    assert.deepEqual(
      pend.slice(-20).map((p) => p.seq),
      Array.from({ length: 20 }, (_, k) => 1481 + k),
    );
    const warn = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === 'spool full: thinned old samples');
    assert.ok(warn && warn.thinnedSamples > 0 && warn.level === 40);
    s.close();
    s = openSpool({ dir, maxBytes, segmentBytes: 4 * 1024 }, { logger: silentLogger });
    assert.deepEqual(
      s
        .pending()
        .filter((p) => p.type === 'transition')
        .map((p) => p.seq),
      transitions,
    );
    assert.equal(s.pending().length, pend.length);
    s.close();
  });

  it('never drops transitions even when they alone exceed the limit', () => {
    const logLines: string[] = [];
    const s = openSpool(
      { dir: tmp(), maxBytes: 8 * 1024, segmentBytes: 1024, fsync: 'never' },
      { logger: createJsonLogger('info', (l) => logLines.push(l)) },
    );
    for (let i = 0; i < 200; i++) s.append('boot-aaaaaaaa', transition(i));
    assert.equal(s.pending().length, 200);
    assert.ok(s.stats().bytes > 8 * 1024);
    assert.equal(logLines.filter((l) => l.includes('transitions and policies only')).length, 1);
    s.close();
  });
});
