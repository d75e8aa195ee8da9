import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
// Tests only: the reporter itself never imports backend code; here the REAL ingest is the peer.
// eslint-disable-next-line no-restricted-imports
import { startTestIngest, type TestIngest } from '../../test-support/ingest.ts';
import { openSpool, silentLogger, type UnsequencedRecord } from '../spool/index.ts';
import { createHttpTransport, createUploader } from '../uploader/index.ts';

/**
 * Backend stopped for a while, then back: every sample and transition taken meanwhile reaches
 * InfluxDB with its original timestamp, counted (not sampled), none twice.
 */
let ing: TestIngest;
let server: http.Server;
let port = 0;
const dir = mkdtempSync(join(tmpdir(), 'ww-upl-ingest-'));
const DEVICE = 'ce-outage-1';

function listen(): Promise<void> {
  server = http.createServer(ing.app);
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
}
function stopBackend(): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

before(async () => {
  ing = await startTestIngest({ label: 'upl_outage' });
  await listen();
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  await stopBackend().catch(() => {});
  await ing.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('uploader against the real ingest, with a backend outage', () => {
  it('back-fills everything taken during the outage exactly once, with original timestamps', async () => {
    const token = await ing.addDevice(DEVICE);
    const spool = openSpool({ dir, fsync: 'important' }, { logger: silentLogger });
    const up = createUploader(
      {
        deviceId: DEVICE,
        reportIntervalMs: 1000,
        maxDelayMs: 150,
        backoffBaseMs: 100,
        backoffMaxMs: 400,
        maxBatchRecords: 40,
        backfillBatchRecords: 60,
        backfillRecordsPerSec: 400,
      },
      {
        spool,
        transport: createHttpTransport({
          serverUrl: `http://127.0.0.1:${port}`,
          token,
          connectTimeoutMs: 1000,
          requestTimeoutMs: 5000,
        }),
        logger: silentLogger,
        routes: () => [{ iface: 'lo', localAddress: '127.0.0.1', online: true }],
      },
    );
    up.start();
    const sampleTimes: number[] = [];
    const transitionTimes: number[] = [];
    const bootId = 'boot-outage01';
    const t0 = Date.now() - 60_000; // distinct, known timestamps, 10 ms apart
    let down = false;
    for (let i = 0; i < 300; i++) {
      const timeMs = t0 + i * 10;
      const rec: UnsequencedRecord =
        i % 20 === 7
          ? {
              type: 'transition',
              timeMs,
              iface: 'wan',
              from: i % 40 === 7 ? 'online' : 'offline',
              to: i % 40 === 7 ? 'offline' : 'online',
              score: 0,
              reason: 'track',
            }
          : {
              type: 'sample',
              timeMs,
              iface: i % 2 ? 'wan' : 'wanb',
              state: 'online',
              score: 10,
              roundOk: true,
              degraded: false,
              rttAvgMs: i,
              rttMinMs: 1,
              rttMaxMs: i + 1,
              lossPct: 0,
              jitterMs: 0,
              targets: [],
            };
      (rec.type === 'transition' ? transitionTimes : sampleTimes).push(timeMs);
      spool.append(bootId, rec);
      up.wake();
      if (i === 60) {
        await stopBackend();
        down = true;
      }
      if (i === 220 && down) {
        await listen();
        down = false;
      }
      await new Promise((r) => setTimeout(r, 8));
    }
    assert.equal(await up.flush(20_000), true, 'spool drained');
    const st = up.stats();
    assert.ok(st.failedAttempts > 0, 'the outage was noticed');
    await up.stop();
    spool.close();
    await ing.points.drain();

    const q = (s: string) => ing.influx.query<{ time: { getNanoTime(): string }; seq: number }>(s);
    const ifacePts = await q(`SELECT seq FROM raw.wan_iface WHERE device = '${DEVICE}'`);
    const got = ifacePts.map((p) => Number(BigInt(p.time.getNanoTime()) / 1_000_000n)).sort((a, b) => a - b);
    assert.equal(ifacePts.length, sampleTimes.length, 'every sample, once');
    assert.deepEqual(got, sampleTimes);
    assert.equal(new Set(ifacePts.map((p) => p.seq)).size, sampleTimes.length);
    const trPts = await q(`SELECT * FROM forever.wan_transition WHERE device = '${DEVICE}'`);
    assert.equal(trPts.length, transitionTimes.length, 'every transition, once');
    assert.deepEqual(
      trPts.map((p) => Number(BigInt(p.time.getNanoTime()) / 1_000_000n)).sort((a, b) => a - b),
      transitionTimes,
    );
  });
});
