import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { reportV1Schema, type ReportV1 } from '../../contract/index.ts';
import { openSpool, silentLogger, type Spool, type UnsequencedRecord } from '../spool/index.ts';
import {
  backoffDelayMs,
  classify,
  createHttpTransport,
  createUploader,
  DEFAULT_BATCH_OPTIONS,
  orderRoutes,
  planNextBatch,
  sourceAddressOf,
  type ReportTransport,
  type TransportOutcome,
  type UploadRoute,
} from '../uploader/index.ts';

const T0 = Date.UTC(2026, 0, 1);
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function spoolDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ww-upl-'));
  dirs.push(d);
  return d;
}
const sample = (t: number, iface = 'wan'): UnsequencedRecord => ({
  type: 'sample',
  timeMs: t,
  iface,
  state: 'online',
  score: 10,
  roundOk: true,
  degraded: false,
  rttAvgMs: 1,
  rttMinMs: 1,
  rttMaxMs: 1,
  lossPct: 0,
  jitterMs: 0,
  targets: [],
});
const transition = (t: number): UnsequencedRecord => ({
  type: 'transition',
  timeMs: t,
  iface: 'wan',
  from: 'online',
  to: 'offline',
  score: 0,
  reason: 'track',
});
const e = (seq: number, type: 'sample' | 'transition' = 'sample', bootId = 'b1', timeMs = T0 + seq) => ({
  seq,
  type,
  bootId,
  timeMs,
  bytes: 100,
});

describe('batch plan (pure)', () => {
  const o = {
    ...DEFAULT_BATCH_OPTIONS,
    maxBatchRecords: 10,
    maxDelayMs: 1000,
    backfillBatchRecords: 20,
    backfillRecordsPerSec: 10,
  };
  const st = { lastKind: undefined, backfillNextMs: 0 };
  it('holds samples for the batch timer but sends a transition at once', () => {
    const p = [e(1), e(2)];
    assert.deepEqual(planNextBatch(p, T0 + 500, st, o), { kind: 'wait', untilMs: T0 + 1001 });
    const withT = planNextBatch([...p, e(3, 'transition')], T0 + 500, st, o);
    assert.equal(withT.kind === 'send' && withT.reason, 'transition');
    const timer = planNextBatch(p, T0 + 1001, st, o);
    assert.equal(timer.kind === 'send' && timer.reason, 'batch-timer');
  });
  it('after an outage sends the live tail first, then alternates with the oldest backlog at a bounded rate', () => {
    const p = Array.from({ length: 100 }, (_, i) => e(i + 1));
    const first = planNextBatch(p, T0 + 5000, st, o);
    assert.ok(first.kind === 'send' && first.batch === 'live');
    assert.deepEqual(
      first.entries.map((x) => x.seq),
      [91, 92, 93, 94, 95, 96, 97, 98, 99, 100],
    );
    const second = planNextBatch(p.slice(0, 90), T0 + 5000, { lastKind: 'live', backfillNextMs: 0 }, o);
    assert.ok(second.kind === 'send' && second.batch === 'backlog');
    assert.deepEqual(
      second.entries.map((x) => x.seq),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    const budget = planNextBatch(p.slice(20, 80), T0 + 5000, { lastKind: 'backlog', backfillNextMs: T0 + 7000 }, o);
    assert.ok(budget.kind === 'send' && budget.batch === 'live', 'live still goes while the back-fill budget is spent');
  });
  it('never mixes boots in one batch', () => {
    const p = [e(1, 'sample', 'old'), e(2, 'sample', 'old'), e(3, 'transition', 'new')];
    const live = planNextBatch(p, T0, st, o);
    assert.ok(live.kind === 'send');
    assert.deepEqual(
      live.entries.map((x) => x.bootId),
      ['new'],
    );
  });
});

describe('routes, backoff, classification (pure)', () => {
  const routes: UploadRoute[] = [
    { iface: 'wan', localAddress: '10.0.0.2', online: true },
    { iface: 'wanb', localAddress: '10.1.0.2', online: true },
    { iface: 'lte', localAddress: '10.2.0.2', online: false },
    { iface: 'nodev', online: true },
    { iface: 'default', online: true },
  ];
  it('tries the last good WAN first, recently failed ones after, offline ones and the default last', () => {
    const order = (last: string | undefined, failed: Array<[string, number]>) =>
      orderRoutes(routes, { lastGoodIface: last, failedAtMs: new Map(failed) }, 10_000, 5_000).map((r) => r.iface);
    assert.deepEqual(order(undefined, []), ['wan', 'wanb', 'lte', 'default']);
    assert.deepEqual(order('wanb', []), ['wanb', 'wan', 'lte', 'default']);
    assert.deepEqual(order('wan', [['wan', 9_000]]), ['wanb', 'wan', 'lte', 'default']);
    assert.deepEqual(order('wan', [['wan', 1_000]]), ['wan', 'wanb', 'lte', 'default']);
    // A WAN whose last probe round failed (disconnecting) is still tried, after the healthy ones.
    const suspect = routes.map((r) => (r.iface === 'wan' ? { ...r, suspect: true } : r));
    assert.deepEqual(
      orderRoutes(suspect, { lastGoodIface: 'wan', failedAtMs: new Map() }, 10_000, 5_000).map((r) => r.iface),
      ['wanb', 'wan', 'lte', 'default'],
    );
  });
  it('finds a device source address', () => {
    const nif = {
      eth1: [
        { address: 'fe80::1', family: 'IPv6', internal: false },
        { address: '192.0.2.7', family: 'IPv4', internal: false },
      ],
    } as never;
    assert.equal(sourceAddressOf('eth1', 'ipv4', nif), '192.0.2.7');
    assert.equal(sourceAddressOf('eth9', 'ipv4', nif), undefined);
  });
  it('backs off exponentially with jitter, capped', () => {
    assert.equal(
      backoffDelayMs(0, 1000, 60_000, () => 0.5),
      0,
    );
    assert.equal(
      backoffDelayMs(1, 1000, 60_000, () => 0),
      500,
    );
    assert.equal(
      backoffDelayMs(4, 1000, 60_000, () => 1),
      8000,
    );
    assert.equal(
      backoffDelayMs(30, 1000, 60_000, () => 1),
      60_000,
    );
  });
  it('classifies answers', () => {
    assert.equal(
      classify(200, {}, '{"v":1,"bootId":"b","ackSeq":3,"accepted":3,"duplicateTransitions":0}').kind,
      'ack',
    );
    assert.equal(classify(200, {}, 'nope').kind, 'network');
    assert.deepEqual(classify(422, {}, '{"code":"validation_failed"}'), {
      kind: 'rejected',
      status: 422,
      code: 'validation_failed',
    });
    assert.equal(classify(401, {}, '').kind, 'auth');
    assert.deepEqual(classify(503, { 'retry-after': '7' }, ''), { kind: 'server', status: 503, retryAfterMs: 7000 });
  });
});

/** A fake of our own ReportTransport: answers per route with a script, records what it received. */
function fakeTransport(answer: (route: UploadRoute, report: ReportV1) => TransportOutcome) {
  const seen: Array<{ route: string; report: ReportV1 }> = [];
  const t: ReportTransport = {
    async post(route, body) {
      const report = reportV1Schema.parse(JSON.parse(gunzipSync(body).toString()));
      seen.push({ route: route.iface, report });
      return answer(route, report);
    },
    close() {},
  };
  return { t, seen };
}
const ackOf = (r: ReportV1): TransportOutcome => ({
  kind: 'ack',
  ack: {
    v: 1,
    bootId: r.bootId,
    ackSeq: Math.max(...r.records.map((x) => x.seq)),
    accepted: r.records.length,
    duplicateTransitions: 0,
  },
});

/**
 * Our fake transport for a quietly dead `wan`: its attempts never connect and hang until aborted (or
 * until `timeOut()`, a late connect timeout); every other WAN connects and acknowledges.
 */
function deadWanTransport() {
  const seen: string[] = [];
  const timeouts: Array<() => void> = [];
  const t: ReportTransport = {
    post(route, body, { signal, onConnected } = {}) {
      const report = reportV1Schema.parse(JSON.parse(gunzipSync(body).toString()));
      seen.push(route.iface);
      if (route.iface !== 'wan') {
        onConnected?.();
        return Promise.resolve(ackOf(report));
      }
      return new Promise((resolve) => {
        timeouts.push(() => resolve({ kind: 'network', error: 'connect timeout after 60000 ms' }));
        signal?.addEventListener('abort', () => resolve({ kind: 'network', error: String(signal.reason) }));
      });
    },
    close() {},
  };
  return { t, seen, hanging: () => timeouts.length > 0, timeOut: () => timeouts.forEach((f) => f()) };
}

/** An uploader over `wan` (online while `wanOnline()`) and `wanb`, sending each record at once. */
function twoWanUploader(spool: Spool, t: ReportTransport, connectRaceMs: number, wanOnline = () => true) {
  return createUploader(
    { deviceId: 'ce-1', reportIntervalMs: 1000, maxDelayMs: 0, connectRaceMs },
    {
      spool,
      transport: t,
      logger: silentLogger,
      routes: () => [
        { iface: 'wan', localAddress: '10.0.0.2', online: wanOnline() },
        { iface: 'wanb', localAddress: '10.1.0.2', online: true },
      ],
    },
  );
}

describe('uploader loop with a fake transport', () => {
  it('moves to the next WAN at once when one fails, and deletes only what was acknowledged', async () => {
    const spool = openSpool({ dir: spoolDir(), fsync: 'never' }, { logger: silentLogger });
    const { t, seen } = fakeTransport((route, r) =>
      route.iface === 'wan' ? { kind: 'network', error: 'ETIMEDOUT' } : ackOf(r),
    );
    const up = createUploader(
      { deviceId: 'ce-1', reportIntervalMs: 1000, maxDelayMs: 50 },
      {
        spool,
        transport: t,
        logger: silentLogger,
        routes: () => [
          { iface: 'wan', localAddress: '10.0.0.2', online: true },
          { iface: 'wanb', localAddress: '10.1.0.2', online: true },
        ],
      },
    );
    up.start();
    spool.append('boot-aaaaaaaa', sample(Date.now()));
    spool.append('boot-aaaaaaaa', transition(Date.now()));
    up.wake();
    assert.equal(await up.flush(5000), true);
    assert.deepEqual(
      seen.slice(0, 2).map((s) => s.route),
      ['wan', 'wanb'],
    );
    assert.deepEqual(
      seen[1]!.report.records.map((r) => r.seq),
      [1, 2],
    );
    assert.equal(up.stats().byRoute.wanb, 1);
    // Next upload skips the WAN that just failed (cool-down) and goes straight to wanb.
    spool.append('boot-aaaaaaaa', transition(Date.now()));
    up.wake();
    assert.equal(await up.flush(5000), true);
    assert.equal(seen[seen.length - 1]!.route, 'wanb');
    assert.equal(seen.length, 3);
    await up.stop();
    spool.close();
  });

  it('retryNow ends a long backoff at once (a link came back), wake does not', async () => {
    const spool = openSpool({ dir: spoolDir(), fsync: 'never' }, { logger: silentLogger });
    let down = true;
    const { t, seen } = fakeTransport((_route, r) => (down ? { kind: 'network', error: 'ENETUNREACH' } : ackOf(r)));
    const up = createUploader(
      { deviceId: 'ce-1', reportIntervalMs: 1000, maxDelayMs: 0, backoffBaseMs: 60_000, backoffMaxMs: 60_000 },
      {
        spool,
        transport: t,
        logger: silentLogger,
        routes: () => [{ iface: 'wan', localAddress: '10.0.0.2', online: true }],
      },
    );
    up.start();
    spool.append('boot-aaaaaaaa', transition(Date.now()));
    up.wake();
    const deadline = Date.now() + 2_000;
    while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(seen.length, 1, 'first attempt failed and started a 60 s backoff');
    down = false;
    up.wake();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(seen.length, 1, 'wake() keeps the backoff');
    up.retryNow();
    const until = Date.now() + 2_000;
    while (spool.pending().length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.equal(spool.pending().length, 0, 'retryNow() sent at once');
    assert.equal(seen.length, 2);
    await up.stop();
    spool.close();
  });

  it('keeps records the ack does not cover, and isolates a record the server refuses', async () => {
    const spool = openSpool({ dir: spoolDir(), fsync: 'never' }, { logger: silentLogger });
    let partial = true;
    const { t, seen } = fakeTransport((_route, r) => {
      if (r.records.some((x) => x.seq === 3)) return { kind: 'rejected', status: 422, code: 'validation_failed' };
      if (partial) {
        partial = false;
        return {
          kind: 'ack',
          ack: { v: 1, bootId: r.bootId, ackSeq: r.records[0]!.seq, accepted: 1, duplicateTransitions: 0 },
        };
      }
      return ackOf(r);
    });
    const up = createUploader(
      { deviceId: 'ce-1', reportIntervalMs: 1000, maxDelayMs: 0 },
      { spool, transport: t, logger: silentLogger, routes: () => [{ iface: 'default', online: true }] },
    );
    for (let i = 0; i < 6; i++) spool.append('boot-aaaaaaaa', sample(T0 + i));
    up.start();
    assert.equal(await up.flush(5000), true);
    const delivered = seen
      .filter((s) => !s.report.records.some((x) => x.seq === 3))
      .flatMap((s) => s.report.records.map((x) => x.seq));
    assert.deepEqual([...new Set(delivered)].sort(), [1, 2, 4, 5, 6]);
    assert.equal(up.stats().rejectedRecords, 1);
    await up.stop();
    spool.close();
  });

  it('routeDown abandons an upload hanging on that WAN and sends through the next one at once', async () => {
    const spool = openSpool({ dir: spoolDir(), fsync: 'never' }, { logger: silentLogger });
    const { t, seen, hanging, timeOut } = deadWanTransport();
    let wanOnline = true;
    // No connect race here: this is about routeDown alone (the race would also end the wait, later).
    const up = twoWanUploader(spool, t, 0, () => wanOnline);
    up.start();
    spool.append('boot-aaaaaaaa', sample(Date.now()));
    up.wake();
    const until = async (ok: () => boolean) => {
      const end = Date.now() + 5_000;
      while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    };
    await until(hanging);
    assert.deepEqual(seen, ['wan'], 'the upload hangs on wan');
    up.routeDown('wanb');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(seen, ['wan'], 'another WAN going down leaves it alone');
    // The tracker declares wan offline and spools the transition; the stuck upload moves on.
    wanOnline = false;
    spool.append('boot-aaaaaaaa', transition(Date.now()));
    const t0 = Date.now();
    up.routeDown('wan');
    up.wake();
    await until(() => spool.pending().length === 0);
    assert.equal(spool.pending().length, 0, 'the sample and the transition went out through wanb');
    assert.ok(Date.now() - t0 < 3_000, `took ${Date.now() - t0} ms (the hanging attempt's own timeout is 60 s)`);
    assert.deepEqual(seen.slice(1), ['wanb', 'wanb']);
    assert.equal(up.stats().lastRoute, 'wanb');
    timeOut(); // a late timeout of the abandoned attempt changes nothing
    await up.stop();
    spool.close();
  });
  it('an upload that cannot connect through a silent WAN is raced through the next after connectRaceMs', async () => {
    const spool = openSpool({ dir: spoolDir(), fsync: 'never' }, { logger: silentLogger });
    // `wan` never connects (its upstream died quietly) and the tracker has not noticed: no routeDown.
    const { t, seen } = deadWanTransport();
    const up = twoWanUploader(spool, t, 300);
    up.start();
    const t0 = Date.now();
    spool.append('boot-aaaaaaaa', sample(t0));
    up.wake();
    while (spool.pending().length > 0 && Date.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 5));
    const tookMs = Date.now() - t0;
    assert.equal(spool.pending().length, 0, 'delivered through wanb');
    assert.ok(tookMs >= 290 && tookMs < 2_500, `took ${tookMs} ms (race after 300 ms, connect timeout 4 s)`);
    assert.deepEqual(seen, ['wan', 'wanb']);
    assert.equal(up.stats().lastRoute, 'wanb');
    await up.stop();
    spool.close();
  });
});

describe('http transport', () => {
  it('an abort ends a request the server never answers, as a network outcome naming the reason', async () => {
    const server = http.createServer(() => undefined); // takes the request, never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const { port } = server.address() as AddressInfo;
      const transport = createHttpTransport({
        serverUrl: `http://127.0.0.1:${port}`,
        token: 't',
        requestTimeoutMs: 30_000,
      });
      const ctrl = new AbortController();
      const pending = transport.post({ iface: 'wan', online: true }, Buffer.from('x'), { signal: ctrl.signal });
      await new Promise((r) => setTimeout(r, 100));
      ctrl.abort(new Error('wan failed a probe round'));
      const out = await Promise.race([
        pending,
        new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), 2_000)),
      ]);
      assert.deepEqual(out, { kind: 'network', error: 'wan failed a probe round' });
      const already = await transport.post({ iface: 'wan', online: true }, Buffer.from('x'), { signal: ctrl.signal });
      assert.deepEqual(
        already,
        { kind: 'network', error: 'wan failed a probe round' },
        'an aborted signal sends nothing',
      );
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('says when the connection is up (before the answer), and never for a connection refused', async () => {
    const events: string[] = [];
    const server = http.createServer((req, res) => {
      events.push('request');
      req.resume();
      req.on('end', () => res.writeHead(503).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as AddressInfo;
    try {
      const transport = createHttpTransport({ serverUrl: `http://127.0.0.1:${port}`, token: 't' });
      const out = await transport.post({ iface: 'wan', online: true }, Buffer.from('x'), {
        onConnected: () => events.push('connected'),
      });
      assert.equal(out.kind, 'server');
      assert.deepEqual(events, ['connected', 'request']);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    // The port is closed now: refused, so never connected.
    const refused: string[] = [];
    const transport = createHttpTransport({ serverUrl: `http://127.0.0.1:${port}`, token: 't' });
    const out = await transport.post({ iface: 'wan', online: true }, Buffer.from('x'), {
      onConnected: () => refused.push('connected'),
    });
    assert.equal(out.kind, 'network');
    assert.deepEqual(refused, []);
  });
});
