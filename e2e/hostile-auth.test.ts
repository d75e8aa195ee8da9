/**
 * Hostile clients against the real backend (startBackend on loopback, the test stack's InfluxDB and
 * Redis): issue #14 rows F9–F14, F16, F17. Each check replays the attack and asserts the fixed
 * behaviour; figures (latencies, CPU per request, memory) are printed for the record. Every loop is
 * bounded in count and time; all traffic goes to 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request as httpRequest, Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { ReportV1 } from '../contract/index.ts';
import { redisKeys, type DeviceRecord } from '../store/index.ts';
import { startBackend, createLogger, type BackendConfig, type RunningBackend } from '../backend/host.ts';
import { ingestPlugin } from '../backend/plugins/index.ts';
import { legacyScryptHash, newDeviceToken } from '../ingest/device-token.ts';
import { reportLines } from '../ingest/core/report-points.ts';
import { influxLineSink } from '../ingest/hot-path/point-writer.ts';
import { sampleReport } from '../test-support/records.ts';
import { startTestBackend, type TestBackend } from '../test-support/test-backend.ts';

const CLI = join(import.meta.dirname, '..', 'bin', 'wanwatch.js');
const ADMIN = 'hostile-suite-admin-token';
const log = (line: string) => process.stdout.write(`# ${line}\n`);
/** Whether text holds a character a terminal acts on (other than the newline): C0, DEL, C1, U+202E. */
const hasControl = (s: string) =>
  [...s].some((c) => {
    const n = c.codePointAt(0)!;
    return (n < 0x20 && n !== 0x0a) || (n >= 0x7f && n <= 0x9f) || n === 0x202e;
  });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** One HTTP request to the backend (keep-alive agent); resolves with status, headers, body and time. */
function send(
  port: number,
  opts: { path?: string; method?: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: opts.path ?? '/api/v1/reports',
        method: opts.method ?? 'POST',
        agent,
        headers: opts.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
            ms: performance.now() - t0,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const json = (token: string, extra: Record<string, string> = {}) => ({
  'Content-Type': 'application/json',
  Authorization: `Bearer ${token}`,
  ...extra,
});
const code = (a: Answer) => (JSON.parse(a.body) as { code?: string }).code;

describe('hostile clients (issue #14: F9-F14, F16, F17)', () => {
  let t: TestBackend;
  let backend: RunningBackend;
  let port = 0;
  let redis: Redis;
  let config: BackendConfig;
  const keys = () => redisKeys(config.redisPrefix);

  const addDevice = async (id: string): Promise<string> => {
    const r = await send(port, {
      path: '/api/v1/devices',
      headers: json(ADMIN),
      body: JSON.stringify({ id }),
    });
    assert.equal(r.status, 201, r.body);
    return (JSON.parse(r.body) as { token: string }).token;
  };
  const report = (id: string, token: string, n = 0, extra: Record<string, string> = {}) =>
    send(port, {
      headers: json(token, extra),
      body: JSON.stringify(sampleReport(id, { bootId: `boot-${id}-${n}`, baseMs: Date.now() - 60_000 + n })),
    });

  before(async () => {
    t = await startTestBackend({
      label: 'hostile',
      adminToken: ADMIN,
      role: 'api',
      plugins: [ingestPlugin],
      // Short timeouts so the slow-client checks finish quickly; the production defaults are in docs/deploy.md.
      config: { http: { headersTimeoutMs: 2_000, requestTimeoutMs: 4_000 } },
    });
    ({ backend, config } = t);
    port = backend.port!;
    redis = new Redis(config.redisUrl);
  });
  after(async () => {
    agent.destroy();
    redis?.disconnect();
    await t?.close();
  });

  it('F16: invalid UTF-8 refused, BOM accepted, charset=utf-16 is 415 — the same on both request paths', async () => {
    const token = await addDevice('utf-dev');
    const good = JSON.stringify(sampleReport('utf-dev', { bootId: 'boot-utf-1' }));
    const invalid = Buffer.from(good.replace('"eth1"', '"eth\u00ff"'), 'latin1'); // a lone 0xff byte
    const paths = { fast: '/api/v1/reports', express: '/api/v1/reports?via=express' };
    for (const [name, path] of Object.entries(paths)) {
      const bad = await send(port, { path, headers: json(token), body: invalid });
      assert.equal(bad.status, 400, `${name}: ${bad.body}`);
      assert.equal(code(bad), 'invalid_utf8', name);
      const badGz = await send(port, {
        path,
        headers: json(token, { 'Content-Encoding': 'gzip' }),
        body: gzipSync(invalid),
      });
      assert.equal(code(badGz), 'invalid_utf8', `${name} gzip`);
      const bom = await send(port, {
        path,
        headers: json(token),
        body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(good)]),
      });
      assert.equal(bom.status, 200, `${name} BOM: ${bom.body}`);
      const utf16 = await send(port, {
        path,
        headers: json(token, { 'Content-Type': 'application/json; charset=utf-16' }),
        body: Buffer.from(good, 'utf16le'),
      });
      assert.equal(utf16.status, 415, `${name} utf-16: ${utf16.body}`);
      assert.equal(code(utf16), 'unsupported_media_type');
    }
  });

  it('F9: a device registered with a scrypt hash still logs in, once slowly, and is rewritten as HMAC', async () => {
    const id = 'legacy-dev';
    const token = newDeviceToken(id);
    const record: DeviceRecord = {
      v: 1,
      id,
      name: 'Legacy shop',
      site: 'Old town',
      tokenHash: await legacyScryptHash(token),
      createdAtMs: 1_700_000_000_000,
      notificationEmails: ['owner@example.com'],
      multiWan: null,
    };
    await redis.set(keys().device(id), JSON.stringify(record));
    await redis.sadd(keys().devices, id);
    const first = await report(id, token, 1);
    assert.equal(first.status, 200, first.body);
    const deadline = Date.now() + 5_000;
    let stored = JSON.parse((await redis.get(keys().device(id)))!) as DeviceRecord;
    while (!stored.tokenHash.startsWith('hmac-sha256$') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      stored = JSON.parse((await redis.get(keys().device(id)))!) as DeviceRecord;
    }
    assert.match(stored.tokenHash, /^hmac-sha256\$[0-9a-f]{8}\$[A-Za-z0-9_-]{43}$/);
    assert.deepEqual({ ...stored, tokenHash: '' }, { ...record, tokenHash: '' }, 'only the hash changed');
    await new Promise((r) => setTimeout(r, 2_100)); // past the 2 s record cache
    const second = await report(id, token, 2);
    assert.equal(second.status, 200, second.body);
    const wrong = await report(id, newDeviceToken(id), 3);
    assert.equal(wrong.status, 401);
    log(`F9 legacy: first login ${first.ms.toFixed(1)} ms (scrypt once), after rewrite ${second.ms.toFixed(1)} ms`);
  });

  it('F9: failed checks are limited per device id (429 + Retry-After) without locking the device out', async () => {
    const token = await addDevice('limited-dev');
    const statuses: number[] = [];
    let last: Answer | undefined;
    for (let i = 0; i < 15; i++) {
      last = await report('limited-dev', newDeviceToken('limited-dev'), i);
      statuses.push(last.status);
    }
    assert.ok(
      statuses.slice(0, 5).every((s) => s === 401),
      statuses.join(','),
    );
    assert.equal(last!.status, 429, statuses.join(','));
    assert.equal(code(last!), 'too_many_auth_failures');
    assert.ok(Number(last!.headers['retry-after']) >= 1, 'Retry-After in seconds');
    const right = await report('limited-dev', token, 99);
    assert.equal(right.status, 200, 'the right token still passes');
    // A token claiming an id no device can have is refused without a lookup or a per-id entry.
    const longId = 'x'.repeat(5_000);
    assert.ok([401, 429].includes((await report(longId, newDeviceToken(longId), 1)).status));
  });

  it('F9: known and unknown device ids take the same time; bad tokens cost microseconds, not scrypt', async () => {
    await addDevice('known-dev');
    const known: number[] = [];
    const unknown: number[] = [];
    const statuses = { known: [] as number[], unknown: [] as number[] };
    for (let i = 0; i < 120; i++) {
      const k = await report('known-dev', newDeviceToken('known-dev'), i);
      const u = await report('nobody-dev', newDeviceToken('nobody-dev'), i);
      assert.ok([401, 429].includes(k.status) && [401, 429].includes(u.status));
      statuses.known.push(k.status);
      statuses.unknown.push(u.status);
      known.push(k.ms);
      unknown.push(u.ms);
    }
    const ratio = median(known) / median(unknown);
    log(
      `F9 timing: median known-id ${median(known).toFixed(2)} ms, unknown-id ${median(unknown).toFixed(2)} ms, ratio ${ratio.toFixed(2)}`,
    );
    assert.ok(ratio > 0.5 && ratio < 2, `known/unknown ratio ${ratio}`);
    // The same answers: both ids reach their per-id limit alike; the shared per-source window may
    // turn between the two requests of one pair, so the counts may differ by one.
    const limited = (xs: number[]) => xs.filter((x) => x === 429).length;
    assert.ok(Math.abs(limited(statuses.known) - limited(statuses.unknown)) <= 1, JSON.stringify(statuses));
  });

  it('F9: a bad-token flood costs little CPU and does not slow a new device first login', async () => {
    const quietToken = await addDevice('quiet-dev');
    const quiet = await report('quiet-dev', quietToken, 1);
    assert.equal(quiet.status, 200);
    await addDevice('victim-dev');
    let sent = 0;
    const stopAt = Date.now() + 3_000;
    const cpu0 = process.cpuUsage();
    const flooder = async () => {
      while (Date.now() < stopAt && sent < 3_000) {
        sent++;
        const r = await report('victim-dev', newDeviceToken('victim-dev'), sent);
        assert.ok([401, 429].includes(r.status), r.body);
      }
    };
    const flood = Promise.all(Array.from({ length: 8 }, flooder));
    await new Promise((r) => setTimeout(r, 1_000));
    const newToken = await addDevice('new-dev');
    const firstLogin = await report('new-dev', newToken, 1);
    await flood;
    const cpu = process.cpuUsage(cpu0);
    const cpuPerReqMs = (cpu.user + cpu.system) / 1000 / sent;
    log(
      `F9 flood: ${sent} bad-token requests in 3 s (client and server in this process: ${cpuPerReqMs.toFixed(2)} ms CPU each); ` +
        `new device first login ${firstLogin.ms.toFixed(1)} ms during the flood, quiet ${quiet.ms.toFixed(1)} ms`,
    );
    assert.equal(firstLogin.status, 200, firstLogin.body);
    assert.ok(cpuPerReqMs < 10, `CPU per bad-token request ${cpuPerReqMs} ms (scrypt was ~40)`);
    assert.ok(firstLogin.ms < 1_000, `first login during the flood took ${firstLogin.ms} ms`);
  });

  it('F10: slow clients are closed by the timeouts; a normal report succeeds meanwhile', async () => {
    const token = await addDevice('steady-dev');
    const slowToken = await addDevice('slow-dev');
    type Slow = { kind: string; closedMs?: number; firstLine?: string };
    const open: Array<Promise<Slow>> = [];
    const slowClient = (kind: string, head: string, dripMs: number): Promise<Slow> =>
      new Promise((resolve) => {
        const t0 = Date.now();
        const s: Socket = connect(port, '127.0.0.1');
        const out: Slow = { kind };
        let got = '';
        s.on('connect', () => s.write(head));
        s.on('data', (d) => (got += d.toString()));
        const drip = setInterval(() => s.writable && s.write('x'), dripMs);
        const hard = setTimeout(() => s.destroy(), 20_000);
        s.on('error', () => undefined);
        s.on('close', () => {
          clearInterval(drip);
          clearTimeout(hard);
          out.closedMs = Date.now() - t0;
          out.firstLine = got.split('\r\n')[0];
          resolve(out);
        });
      });
    const post = (auth: string, length: number) =>
      `POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${auth}\r\nContent-Length: ${length}\r\n\r\n{`;
    for (let i = 0; i < 150; i++)
      open.push(slowClient('bad-token slow body', post(newDeviceToken('slow-dev'), 5_000_000), 500));
    for (let i = 0; i < 50; i++)
      open.push(slowClient('slow headers', 'POST /api/v1/reports HTTP/1.1\r\nHost: x\r\n', 500));
    for (let i = 0; i < 20; i++) open.push(slowClient('authenticated slow body', post(slowToken, 100_000), 500));
    await new Promise((r) => setTimeout(r, 500));
    const normal = await report('steady-dev', token, 1);
    assert.equal(normal.status, 200, `a normal report while ${open.length} slow clients are open: ${normal.body}`);
    const done = await Promise.all(open);
    const byKind = new Map<string, Slow[]>();
    for (const d of done) byKind.set(d.kind, [...(byKind.get(d.kind) ?? []), d]);
    for (const [kind, list] of byKind) {
      const worst = Math.max(...list.map((d) => d.closedMs!));
      log(
        `F10 ${kind}: ${list.length} closed by the server, the last after ${worst} ms (first line: ${list[0]!.firstLine || '—'})`,
      );
      assert.ok(worst < 15_000, `${kind}: closed within 15 s (was ${worst} ms)`);
    }
    const bad = byKind.get('bad-token slow body')!;
    assert.ok(
      bad.every((d) => /^HTTP\/1\.1 (401|429)/.test(d.firstLine ?? '')),
      'refused before the body',
    );
    assert.ok(Math.max(...bad.map((d) => d.closedMs!)) < 5_000, 'refused connections close at once');
  });

  it('F11: concurrent 5 MB bodies are capped (503 server_busy + Retry-After) and memory stays bounded', async () => {
    // Forty devices, one body each: the body budget is fleet-wide, and one device's further reports
    // would only wait for its turn (device_busy), which is not what this row measures.
    const senders: Array<{ token: string; body: Buffer }> = [];
    for (let i = 0; i < 40; i++) {
      const id = `big-dev-${i}`;
      const pad = 'x'.repeat(5 * 1024 * 1024 - 2_000);
      senders.push({
        token: await addDevice(id),
        body: Buffer.from(JSON.stringify({ ...sampleReport(id, { bootId: 'boot-big' }), pad })),
      });
    }
    // Two more backends on the same data, with the default body budget and with one out of reach, and
    // a request timeout long enough for 200 MB over loopback on a busy machine.
    const start = (maxBodyBytesInFlight?: number) =>
      startBackend(
        { ...config, http: { requestTimeoutMs: 60_000, ...(maxBodyBytesInFlight ? { maxBodyBytesInFlight } : {}) } },
        { role: 'api', host: '127.0.0.1', logger: createLogger('error'), plugins: [ingestPlugin] },
      );
    const capped = await start();
    const uncapped = await start(16 * 1024 ** 3);
    try {
      // Capped first: RSS the uncapped run takes is not given back soon after.
      const withCap = await fortyBigBodies(capped.port!, senders);
      const without = await fortyBigBodies(uncapped.port!, senders);
      for (const [name, r] of [
        ['without the cap', without],
        ['with the 64 MiB cap', withCap],
      ] as const) {
        log(`F11 ${name}: 40 concurrent 5 MB bodies -> ${r.summary}; peak RSS +${r.deltaMb.toFixed(0)} MB`);
      }
      const busy = withCap.answers.filter((a) => a.status === 503);
      assert.ok(busy.length > 0, 'some bodies are refused while the budget is full');
      assert.ok(
        busy.every((a) => a.code === 'server_busy' && Number(a.retryAfter) >= 1),
        withCap.summary,
      );
      assert.ok(
        withCap.answers.every((a) => a.status === 503 || a.status === 422),
        withCap.summary,
      );
      assert.ok(withCap.deltaMb < 200, `peak RSS grew ${withCap.deltaMb} MB with the cap`);
    } finally {
      await capped.close();
      await uncapped.close();
    }
  });

  it('F12/F17: serve exits non-zero naming the key for a bad setting, a weak admin token, a failed start', async () => {
    const env = {
      PATH: process.env.PATH,
      WANWATCH_INFLUX_URL: config.influxUrl,
      WANWATCH_REDIS_URL: config.redisUrl,
      WANWATCH_REDIS_PREFIX: config.redisPrefix,
      WANWATCH_ADMIN_TOKEN: 'a-good-admin-token-1234',
      WANWATCH_PORT: '0',
      WANWATCH_LOG_LEVEL: 'error',
    };
    const serve = (extra: Record<string, string>) =>
      spawnSync(process.execPath, [CLI, 'serve', '--role', 'api'], {
        env: { ...env, ...extra },
        encoding: 'utf8',
        timeout: 30_000,
      });
    const flap = serve({ WANWATCH_FLAP_MAX_CHANGES: '100000' });
    assert.notEqual(flap.status, 0, `exits (status ${flap.status}, signal ${flap.signal})`);
    assert.ok(flap.status !== null, 'exits by itself, not killed by the timeout');
    assert.match(flap.stderr, /WANWATCH_FLAP_MAX_CHANGES/);
    for (const weak of [' '.repeat(16), '\t'.repeat(20), 'short']) {
      const r = serve({ WANWATCH_ADMIN_TOKEN: weak });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /WANWATCH_ADMIN_TOKEN/);
    }
    // A start that fails after connecting (the port is taken) also ends the process.
    const taken = serve({ WANWATCH_PORT: String(port) });
    assert.ok(taken.status !== null && taken.status !== 0, `port taken: status ${taken.status}`);
    assert.match(taken.stderr, /EADDRINUSE/);
  });

  it('F13/F14: hostile names reach CSV as text and the terminal as escapes', async () => {
    const id = 'names-dev';
    const hostileIfaces = ['(internet)', '=HYPERLINK("http://evil.example","x")', 'wan\x1b]0;pwned\x07\x1b[2J'];
    const record: DeviceRecord = {
      v: 1,
      id,
      name: 'shop\x1b[31mRED',
      site: '\u202eevil',
      tokenHash: 'hmac-sha256$00000000$' + 'A'.repeat(43),
      createdAtMs: Date.now(),
      notificationEmails: [],
      multiWan: null,
    };
    await redis.set(keys().device(id), JSON.stringify(record));
    await redis.sadd(keys().devices, id);
    // Transitions as a reporter of any version may have stored them (written straight to InfluxDB).
    const t0 = Date.now() - 3_600_000;
    const rep: ReportV1 = {
      v: 1,
      deviceId: id,
      bootId: 'boot-names',
      sentAtMs: Date.now(),
      reportIntervalMs: 5_000,
      records: hostileIfaces.flatMap((iface, k) => [
        {
          type: 'transition',
          seq: 2 * k + 1,
          timeMs: t0,
          iface,
          from: 'unknown',
          to: 'online',
          score: 12,
          reason: 'start',
        },
        {
          type: 'transition',
          seq: 2 * k + 2,
          timeMs: t0 + 600_000,
          iface,
          from: 'online',
          to: 'offline',
          score: 0,
          reason: 'track',
        },
      ]),
    } as ReportV1;
    await influxLineSink(backend.ctx.influx).write(reportLines(rep).forever.join('\n'), 'forever');
    const env = {
      PATH: process.env.PATH,
      WANWATCH_INFLUX_URL: config.influxUrl,
      WANWATCH_REDIS_URL: config.redisUrl,
      WANWATCH_REDIS_PREFIX: config.redisPrefix,
    };
    const uptime = (format: string) =>
      spawnSync(process.execPath, [CLI, 'uptime', '--device', id, '--from', String(t0 - 60_000), '--format', format], {
        env,
        encoding: 'utf8',
        timeout: 60_000,
      });
    const table = uptime('table');
    assert.equal(table.status, 0, table.stderr);
    assert.ok(!hasControl(table.stdout), 'no control character reaches the terminal');
    assert.match(table.stdout, /wan\\x1b\]0;pwned\\x07\\x1b\[2J/);
    assert.match(table.stdout, /shop\\x1b\[31mRED/);
    const csv = uptime('csv');
    assert.equal(csv.status, 0, csv.stderr);
    const cells = csv.stdout
      .split('\r\n')
      .filter(Boolean)
      .map((l) => l.split(','));
    assert.ok(
      cells.every((row) => row.every((c) => !/^"?[=+@\t\r]/.test(c))),
      'no cell a spreadsheet runs',
    );
    const figures = csv.stdout.split('\r\n\r\n')[0]!.split('\r\n').slice(1);
    assert.equal(figures.filter((l) => l.endsWith(',internet')).length, 1, 'one site row');
    assert.equal(
      figures.filter((l) => l.startsWith(`${id},(internet),`) && l.endsWith(',link')).length,
      1,
      'the interface is a link row',
    );
  });
});

/**
 * 40 connections each send a 5 MB report but its last byte, so the server holds every body at once;
 * then the last bytes go out. Returns the answers and the peak RSS growth of this process (the
 * server runs in it; the client shares one buffer).
 */
async function fortyBigBodies(port: number, senders: ReadonlyArray<{ token: string; body: Buffer }>) {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const head = (token: string, body: Buffer) =>
    `POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  const sockets = senders.map(() => connect(port, '127.0.0.1'));
  const answers = sockets.map(
    (s) =>
      new Promise<{ status: number; code?: string; retryAfter?: string }>((resolve) => {
        let got = '';
        const hard = setTimeout(() => s.destroy(), 60_000);
        s.on('data', (d) => (got += d.toString()));
        s.on('error', () => undefined);
        s.on('close', () => {
          clearTimeout(hard);
          const status = Number(/^HTTP\/1\.1 (\d+)/.exec(got)?.[1] ?? 0);
          const retryAfter = /\r\nretry-after: *(\d+)/i.exec(got)?.[1];
          const code = /"code":"([a-z_]+)"/.exec(got)?.[1];
          resolve({ status, ...(code ? { code } : {}), ...(retryAfter ? { retryAfter } : {}) });
        });
      }),
  );
  // All but the last byte, on every connection, before any body is complete.
  await Promise.all(
    sockets.map(
      (s, i) =>
        new Promise<void>((resolve) => {
          const { token, body } = senders[i]!;
          s.write(head(token, body), () => s.write(body.subarray(0, -1), () => resolve()));
        }),
    ),
  ).catch(() => undefined);
  sockets.forEach((s, i) => {
    if (s.writable) s.end(senders[i]!.body.subarray(-1));
  });
  const done = await Promise.all(answers);
  clearInterval(sampler);
  const counts = new Map<string, number>();
  for (const a of done) counts.set(`${a.status} ${a.code}`, (counts.get(`${a.status} ${a.code}`) ?? 0) + 1);
  return {
    answers: done,
    deltaMb: (peak - base) / 1024 / 1024,
    summary: [...counts].map(([k, n]) => `${n}x ${k}`).join(', '),
  };
}
