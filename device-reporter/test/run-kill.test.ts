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
import { startTestIngest, type TestIngest } from '../../test-support/ingest.ts';
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
  spooled: Array<{ seq: number; type: string; line?: string }>;
  stoppedPending?: number;
}

/** Transitions (`iface:from>to:reason`) in spool order. */
const transitions = (r: ChildRun) => r.spooled.filter((s) => s.line).map((s) => s.line!);

/** Ends the child `afterMs` after it is ready, or after it spooled the transition `afterLine`. */
function runChild(
  token: string,
  deviceId: string,
  end: 'kill' | 'term',
  afterMs: number,
  o: { down?: string; afterLine?: string } = {},
): Promise<ChildRun> {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'run-kill-child.ts'), dir, url, token, deviceId, o.down ?? ''],
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
      const [k, a, b, line] = buf.slice(0, nl).split(' ');
      buf = buf.slice(nl + 1);
      const endIt = () => setTimeout(() => child.kill(end === 'kill' ? 'SIGKILL' : 'SIGTERM'), afterMs);
      if (k === 'ready') {
        out.bootId = a!;
        if (!o.afterLine) endIt();
      }
      if (k === 's') out.spooled.push({ seq: Number(a), type: b!, ...(line ? { line } : {}) });
      if (k === 's' && line !== undefined && line === o.afterLine) endIt();
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
    // wanb's target never answers: the first run confirms it offline, then is killed; the second
    // run must open wanb from that carried state and never claim it recovered.
    const first = await runChild(token, DEVICE, 'kill', 800, {
      down: '192.0.2.2',
      afterLine: 'wanb:disconnecting>offline:track',
    });
    const second = await runChild(token, DEVICE, 'term', 2500, { down: '192.0.2.2' });
    assert.ok(
      first.spooled.length > 5 && second.spooled.length > 5,
      `${first.spooled.length} / ${second.spooled.length} records`,
    );
    assert.notEqual(first.bootId, second.bootId, 'a new bootId per start');
    const firstMax = Math.max(...first.spooled.map((s) => s.seq));
    assert.ok(Math.min(...second.spooled.map((s) => s.seq)) > firstMax, 'seq continues from the spool');
    assert.equal(second.stoppedPending, 0, 'graceful stop flushed everything, including what the killed run left');
    // The confirmed states survived the kill -9 (confirmed-links.json in the spool dir).
    const t2 = transitions(second);
    assert.deepEqual(t2.slice(0, 2).sort(), ['wan:online>online:start', 'wanb:offline>online:start'], t2.join(' '));
    assert.deepEqual(
      t2.filter((l) => l.startsWith('wanb:') && l.endsWith(':track')),
      ['wanb:online>disconnecting:track', 'wanb:disconnecting>offline:track'],
      'the dead link is told by the tracker, and never as recovered',
    );
    assert.deepEqual(t2.slice(-2).sort(), ['wan:online>unknown:stop', 'wanb:offline>unknown:stop']);
    const firstStop = second.spooled.findIndex((s) => s.line?.endsWith(':stop'));
    assert.deepEqual(
      second.spooled.slice(firstStop).filter((s) => s.type !== 'transition'),
      [],
      'nothing but stop transitions after the first one (no policy snapshot)',
    );

    await ing.points.drain();
    const all = [...first.spooled, ...second.spooled];
    const q = (x: string) => ing.influx.query<Record<string, unknown>>(x);
    await assertStoredOnce(q, DEVICE, all);
    const tr = await q(`SELECT seq, boot_id FROM forever.wan_transition WHERE device = '${DEVICE}'`);
    assert.deepEqual(new Set(tr.map((p) => p.boot_id)), new Set([first.bootId, second.bootId]));
  });
});
