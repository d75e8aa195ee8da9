/**
 * Child process of spool-crash.test.ts: appends records (and acknowledges some) as fast as it can
 * until it is killed with SIGKILL. After each append or ack returns it prints `a <seq>` / `k <seq>`,
 * so the parent knows what the spool had promised when the kill landed.
 */
import { writeSync } from 'node:fs';
import { openSpool, silentLogger, type UnsequencedRecord } from '../spool/index.ts';

const dir = process.argv[2]!;
const bootId = process.argv[3]!;
const spool = openSpool(
  { dir, maxBytes: 64 * 1024 * 1024, segmentBytes: 8 * 1024, fsync: 'important' },
  { logger: silentLogger },
);
const t0 = Date.UTC(2026, 0, 1);
writeSync(1, `ready ${spool.stats().lastSeq}\n`);
for (let i = 0; i < 1_000_000; i++) {
  const rec: UnsequencedRecord =
    i % 7 === 3
      ? ({
          type: 'transition',
          timeMs: t0 + i,
          iface: 'wan',
          from: 'online',
          to: 'offline',
          score: 0,
          reason: 'track',
        } as const)
      : ({
          type: 'sample',
          timeMs: t0 + i,
          iface: i % 2 ? 'wan' : 'wanb',
          state: 'online',
          score: 10,
          roundOk: true,
          degraded: false,
          rttAvgMs: 1.5,
          rttMinMs: 1,
          rttMaxMs: 2,
          lossPct: 0,
          jitterMs: 0.1,
          targets: [],
        } as const);
  const e = spool.append(bootId, rec);
  writeSync(1, `a ${e.seq}\n`);
  if (i % 50 === 49) {
    const toAck = spool
      .pending()
      .slice(0, 40)
      .map((p) => p.seq);
    spool.ack(toAck);
    writeSync(1, `k ${toAck.join(',')}\n`);
  }
}
