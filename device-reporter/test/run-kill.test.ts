import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
// Tests only: the REAL ingest is the peer (the reporter itself never imports backend code).
// eslint-disable-next-line no-restricted-imports
import { startTestIngest, type TestIngest } from '../../ingest/testing.ts';
import { MWAN3_TEXT } from './run-fixtures.ts';
import { assertStoredOnce } from './stored-once.ts';

/**
 * `kill -9` of the reporter process while it uploads (the backend answers slowly, so requests are
 * in flight most of the time), then a restart on the same spool: nothing acknowledged is lost,
 * nothing is stored twice, seq continues, the new start has a new bootId.
 */
let ing: TestIngest;
let server: http.Server;
const dir = mkdtempSync(join(tmpdir(), 'ww-run-kill-'));
before(async () => {
  ing = await startTestIngest({ label: 'run_kill' });
  // 40 ms before every request: uploads are in flight most of the time, so the kill lands mid-upload.
  server = http.createServer((req, res) => void setTimeout(() => ing.app(req, res), 40));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await ing.close();
  rmSync(dir, { recursive: true, force: true });
});

interface ChildRun {
  bootId: string;
  spooled: Array<{ seq: number; type: string }>;
  stoppedPending?: number;
}

function runChild(token: string, deviceId: string, end: 'kill' | 'term', afterMs: number): Promise<ChildRun> {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'run-kill-child.ts'), dir, url, token, deviceId],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const out: ChildRun = { bootId: '', spooled: [] };
  let buf = '';
  child.stdout.on('data', (c: Buffer) => {
    buf += c.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const [k, a, b] = buf.slice(0, nl).split(' ');
      buf = buf.slice(nl + 1);
      if (k === 'ready') {
        out.bootId = a!;
        setTimeout(() => child.kill(end === 'kill' ? 'SIGKILL' : 'SIGTERM'), afterMs);
      }
      if (k === 's') out.spooled.push({ seq: Number(a), type: b! });
      if (k === 'stopped') out.stoppedPending = Number(a);
    }
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) => child.on('exit', () => (clearTimeout(guard), resolve(out))));
}

describe('kill -9 of the reporter during upload, then restart', () => {
  it('loses nothing acknowledged and stores nothing twice', async () => {
    const DEVICE = 'ce-kill-1';
    const token = await ing.addDevice(DEVICE);
    mkdirSync(join(dir, 'spool'), { recursive: true });
    writeFileSync(join(dir, 'mwan3'), MWAN3_TEXT);
    const first = await runChild(token, DEVICE, 'kill', 2500);
    const second = await runChild(token, DEVICE, 'term', 2000);
    assert.ok(
      first.spooled.length > 5 && second.spooled.length > 5,
      `${first.spooled.length} / ${second.spooled.length} records`,
    );
    assert.notEqual(first.bootId, second.bootId, 'a new bootId per start');
    const firstMax = Math.max(...first.spooled.map((s) => s.seq));
    assert.ok(Math.min(...second.spooled.map((s) => s.seq)) > firstMax, 'seq continues from the spool');
    assert.equal(second.stoppedPending, 0, 'graceful stop flushed everything, including what the killed run left');

    await ing.points.drain();
    const all = [...first.spooled, ...second.spooled];
    const q = (x: string) => ing.influx.query<Record<string, unknown>>(x);
    await assertStoredOnce(q, DEVICE, all);
    const tr = await q(`SELECT seq, boot_id FROM forever.wan_transition WHERE device = '${DEVICE}'`);
    assert.deepEqual(new Set(tr.map((p) => p.boot_id)), new Set([first.bootId, second.bootId]));
  });
});
