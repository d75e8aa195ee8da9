import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { parsePingOutput } from './parse-ping-output.ts';
import { createExecPingProber, isBusyboxPing, pingArgs } from './exec-ping-prober.ts';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTcpConnectProber } from './tcp-connect-prober.ts';
import { createProberRegistry } from './prober-registry.ts';
import type { ProbeRequest, Prober } from '../tracker/prober.ts';

const IPUTILS_OK = `PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.

--- 127.0.0.1 ping statistics ---
2 packets transmitted, 2 received, 0% packet loss, time 204ms
rtt min/avg/max/mdev = 0.034/0.038/0.042/0.004 ms
`;
const IPUTILS_PARTIAL = `--- 10.0.0.1 ping statistics ---
3 packets transmitted, 1 received, +2 errors, 66.6667% packet loss, time 2003ms
rtt min/avg/max/mdev = 1.500/1.500/1.500/0.000 ms
`;
const IPUTILS_NONE = `--- 10.0.0.1 ping statistics ---
2 packets transmitted, 0 received, 100% packet loss, time 1010ms
`;
const BUSYBOX_NONE = `--- 10.0.0.1 ping statistics ---
1 packets transmitted, 0 packets received, 100% packet loss
`;

const req = (p: Partial<ProbeRequest> = {}): ProbeRequest => ({
  target: '127.0.0.1',
  family: 'ipv4',
  method: 'ping',
  count: 1,
  timeoutS: 1,
  sizeBytes: 56,
  maxTtl: 60,
  ...p,
});

describe('ping output parser', () => {
  it('parses the seed BusyBox sample', () => {
    const s = parsePingOutput(readFileSync('/work/shared/fixtures/seed/mwan3-use-eth0-ping.txt', 'utf8'));
    assert.deepEqual(s, {
      sent: 6,
      received: 6,
      lossPct: 0,
      rttMinMs: 12.831,
      rttAvgMs: 14.044,
      rttMaxMs: 14.979,
      rttMdevMs: null,
    });
    assert.deepEqual(parsePingOutput(BUSYBOX_NONE), {
      sent: 1,
      received: 0,
      lossPct: 100,
      rttMinMs: null,
      rttAvgMs: null,
      rttMaxMs: null,
      rttMdevMs: null,
    });
  });
  it('parses iputils output incl. errors and fractional loss', () => {
    assert.deepEqual(parsePingOutput(IPUTILS_OK), {
      sent: 2,
      received: 2,
      lossPct: 0,
      rttMinMs: 0.034,
      rttAvgMs: 0.038,
      rttMaxMs: 0.042,
      rttMdevMs: 0.004,
    });
    assert.equal(parsePingOutput(IPUTILS_PARTIAL)!.lossPct, 66.6667);
    assert.equal(parsePingOutput(IPUTILS_PARTIAL)!.received, 1);
    assert.equal(parsePingOutput(IPUTILS_NONE)!.rttAvgMs, null);
    assert.equal(parsePingOutput('ping: unknown host'), undefined);
  });
  it('detects a BusyBox ping applet on PATH', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ww-bb-'));
    try {
      writeFileSync(join(dir, 'busybox'), '');
      symlinkSync(join(dir, 'busybox'), join(dir, 'ping'));
      assert.equal(isBusyboxPing(`/nonexistent:${dir}`), true);
      assert.equal(isBusyboxPing('/nonexistent'), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('builds mwan3 arguments', () => {
    assert.deepEqual(pingArgs(req({ device: 'eth1', count: 3, timeoutS: 2 })), [
      '-4',
      '-n',
      '-c',
      '3',
      '-W',
      '2',
      '-s',
      '56',
      '-t',
      '60',
      '-q',
      '-I',
      'eth1',
      '127.0.0.1',
    ]);
    assert.deepEqual(pingArgs(req({ family: 'ipv6', target: '::1' }), true), [
      '-6',
      '-c',
      '1',
      '-W',
      '1',
      '-s',
      '56',
      '-t',
      '60',
      '-q',
      '::1',
    ]);
  });
});

describe('exec ping prober (real ping on loopback)', () => {
  const ping = createExecPingProber();
  after(() => ping.close());
  it('probes 127.0.0.1 bound to lo', async () => {
    const r = await ping.probe(req({ device: 'lo', count: 2 }));
    assert.equal(r.ok, true, r.error);
    assert.equal(r.received, 2);
    assert.ok(r.rttAvgMs !== null && r.rttAvgMs >= 0);
  });
  it('a bad device is a failed result, not a throw', async () => {
    const r = await ping.probe(req({ device: 'nosuchdev0' }));
    assert.equal(r.ok, false);
    assert.equal(r.received, 0);
  });
  it('a missing binary is a failed result (both ways of running ping)', async () => {
    for (const via of ['shell', 'spawn'] as const) {
      const p = createExecPingProber({ command: ['/nonexistent/ping'], via });
      const r = await p.probe(req());
      p.close();
      assert.equal(r.ok, false, via);
      assert.match(r.error ?? '', /spawn|not found|127/, via);
    }
  });
  it('spawn mode probes too; several probes at once use several helper shells', async () => {
    const r = await createExecPingProber({ via: 'spawn' }).probe(req({ device: 'lo' }));
    assert.equal(r.ok, true, r.error);
    const p = createExecPingProber();
    const rs = await Promise.all(
      ['127.0.0.1', '127.0.0.2', '127.0.0.3'].map((t) => p.probe(req({ target: t, device: 'lo' }))),
    );
    assert.deepEqual(
      rs.map((x) => [x.target, x.ok]),
      [
        ['127.0.0.1', true],
        ['127.0.0.2', true],
        ['127.0.0.3', true],
      ],
    );
  });
  it('an aborted probe comes back promptly as failed', async () => {
    const ac = new AbortController();
    // a "ping" that hangs: sh -c 'sleep 5' ignores the ping arguments
    const p = createExecPingProber({ command: ['sh', '-c', 'sleep 5'] });
    const started = Date.now();
    const pending = p.probe(req({ target: '127.0.0.1' }), ac.signal);
    setTimeout(() => ac.abort(), 100);
    const r = await pending;
    assert.equal(r.ok, false);
    assert.ok(Date.now() - started >= 90 && Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    p.close();
  });
});

describe('tcp connect prober', () => {
  let server: Server;
  let port: number;
  before(async () => {
    server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('counts connects as replies; a refused port also answers; aborted probes fail', async () => {
    const tcp = createTcpConnectProber();
    const ok = await tcp.probe(req({ method: 'tcp', port, count: 2 }));
    assert.deepEqual([ok.ok, ok.sent, ok.received, ok.lossPct], [true, 2, 2, 0]);
    server.close();
    await new Promise((r) => setTimeout(r, 10));
    const refused = await tcp.probe(req({ method: 'tcp', port }));
    assert.equal(refused.ok, true);
    const ac = new AbortController();
    ac.abort();
    const aborted = await tcp.probe(req({ method: 'tcp', port }), ac.signal);
    assert.equal(aborted.ok, false);
  });

  it('registry: tcp -> tcp prober, unknown method -> ping with one warning', async () => {
    const seen: string[] = [];
    const fake = (name: string): Prober => ({
      probe: async (r) => (
        seen.push(`${name}:${r.method}`),
        { target: r.target, ok: true, sent: 1, received: 1, lossPct: 0, rttAvgMs: 1, rttMinMs: 1, rttMaxMs: 1 }
      ),
    });
    const warnings: string[] = [];
    const reg = createProberRegistry({ ping: fake('ping'), tcp: fake('tcp'), warn: (m) => warnings.push(m) });
    for (const m of ['ping', 'tcp', 'httping', 'httping', 'arping']) await reg.probe(req({ method: m }));
    assert.deepEqual(seen, ['ping:ping', 'tcp:tcp', 'ping:httping', 'ping:httping', 'ping:arping']);
    assert.equal(warnings.length, 2);
  });
});
