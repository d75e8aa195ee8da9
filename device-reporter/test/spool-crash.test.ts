import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openSpool, silentLogger } from '../spool/index.ts';

/**
 * `kill -9` at a random moment of appends and acks, several times over one spool: every append the
 * child reported is still there (or acknowledged), every acknowledgement it reported holds, seq
 * never goes back, and the spool always opens.
 */
const dir = mkdtempSync(join(tmpdir(), 'ww-spool-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Round {
  ready: number;
  appended: number[];
  acked: number[];
}

async function runAndKill(bootId: string, killAfterAppends: number): Promise<Round> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'spool-crash-child.ts'), dir, bootId],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const round: Round = { ready: -1, appended: [], acked: [] };
  let buf = '';
  const deadline = setTimeout(() => child.kill('SIGKILL'), 20_000);
  child.stdout.on('data', (chunk: Buffer) => {
    buf += chunk.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const [kind, arg] = line.split(' ');
      if (kind === 'ready') round.ready = Number(arg);
      if (kind === 'a') round.appended.push(Number(arg));
      if (kind === 'k') round.acked.push(...arg!.split(',').map(Number));
      if (round.appended.length === killAfterAppends) child.kill('SIGKILL');
    }
  });
  await new Promise<void>((resolve) => child.on('exit', () => resolve()));
  clearTimeout(deadline);
  return round;
}

describe('spool crash safety (kill -9 of a child process mid-append)', () => {
  it('loses nothing appended, forgets nothing acknowledged, seq continues', async () => {
    const appended = new Set<number>();
    const acked = new Set<number>();
    let maxSeq = 0;
    for (const [i, killAfter] of [137, 1290, 611].entries()) {
      const r = await runAndKill(`boot-${i}aaaaaaaa`, killAfter);
      assert.ok(r.ready >= maxSeq, `seq continues: child started at ${r.ready}, we had seen ${maxSeq}`);
      assert.ok(r.appended.length >= killAfter, `child appended ${r.appended.length}`);
      r.appended.forEach((s) => appended.add(s));
      r.acked.forEach((s) => acked.add(s));
      const spool = openSpool({ dir, fsync: 'important' }, { logger: silentLogger });
      const pending = spool.pending().map((p) => p.seq);
      const pendingSet = new Set(pending);
      // An append may have completed without being reported before the kill: at most one, the next seq.
      const unreported = pending.filter((s) => !appended.has(s));
      assert.ok(unreported.length <= 1, `unreported appends ${unreported.join(',')}`);
      unreported.forEach((s) => appended.add(s));
      for (const s of acked) assert.ok(!pendingSet.has(s), `acknowledged seq ${s} came back`);
      // An ack may have completed without being reported: it covers a prefix of what was pending.
      const expected = [...appended].filter((s) => !acked.has(s)).sort((a, b) => a - b);
      const missing = expected.filter((s) => !pendingSet.has(s));
      assert.ok(missing.length <= 40, `lost ${missing.length} records`);
      assert.deepEqual(
        missing,
        expected.slice(0, missing.length),
        'only an unreported ack of the oldest pending may be missing',
      );
      missing.forEach((s) => acked.add(s));
      assert.deepEqual(
        pending,
        [...pendingSet].sort((a, b) => a - b),
        'pending in seq order, no duplicates',
      );
      maxSeq = Math.max(...appended);
      assert.equal(spool.stats().lastSeq, maxSeq);
      spool.close();
    }
    assert.ok(appended.size >= 137 + 1290 + 611);
    assert.deepEqual(
      [...appended].sort((a, b) => a - b),
      Array.from({ length: appended.size }, (_, k) => k + 1),
      'seq has no gaps',
    );
  });
});
