/**
 * bench/fleet — a synthetic fleet of FLEET devices (10,000 and 100,000 by default) uploading every
 * 30 s through POST /api/v1/reports of a real `wanwatch serve` child (role all: API and workers),
 * at a reduced duty cycle: for PHASE_S seconds the devices send at DUTY x the fleet's real rate
 * (FLEET / 30 s), each device at most once; per-device figures are then extrapolated.
 * Each report is a device like the demo's: 2 WANs x 2 probe targets, 6 rounds of 5 s (36 points)
 * and a policy snapshot.
 * Measured per fleet: reports/s sustained, ack p50/p99, CPU ms per report (serve child; influxd and
 * redis-server apart), RSS of serve and influxd, Redis used_memory before/after registering and after
 * reporting, InfluxDB series cardinality and on-disk bytes (data + WAL) per point.
 * Private influxd + redis-server on 127.0.0.1 (nothing leaves the host); each fleet < 60 s.
 * Prints ONE JSON line.
 *
 *   node --import tsx bench/fleet.ts            # BENCH_FLEETS=10000,100000 BENCH_PHASE_S=20
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { ReportRecord, ReportV1 } from '../contract/index.ts';
import { createDeviceStore } from '../ingest/device-store.ts';
import { hashDeviceToken, loadTokenKey, newDeviceToken } from '../ingest/device-token.ts';
import { reportLines } from '../ingest/core/report-points.ts';
import { BACKEND_NODE_FLAGS } from '../backend/node-flags.ts';
import { redisKeys, schemaStatements } from '../store/index.ts';
import { startInfluxd } from '../stack/influxd.ts';
import { startRedis } from '../stack/redis.ts';
import { policy, sample, target } from '../test-support/records.ts';
import { LeanHttpPool, headerLines } from './lib/lean-http-client.ts';

const FLEETS = (process.env.BENCH_FLEETS ?? '10000,100000').split(',').map(Number);
const PHASE_S = Number(process.env.BENCH_PHASE_S ?? 20);
/** Share of the fleet's real rate driven: all of 10k (333/s), 10 % of 100k (also 333/s; 2 shared cores). */
const dutyOf = (fleet: number) => Number(process.env.BENCH_DUTY ?? (fleet <= 10_000 ? 1 : 0.1));
const UPLOAD_S = 30;
/** Devices of the stored device-day probe (0: skip it). */
const DAY_DEVICES = Number(process.env.BENCH_DAY_DEVICES ?? 2);
const MAX_IN_FLIGHT = 256;
const ADMIN = 'bench-fleet-admin-token-0123456789';

/** Small deterministic noise, so stored values compress like measured ones, not like constants. */
let noiseSeed = 1;
const noise = () => {
  noiseSeed = (noiseSeed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return noiseSeed / 2_147_483_648;
};

function report(deviceId: string, n: number, endMs = Date.now() - 1_000): ReportV1 {
  const now = endMs;
  const records: ReportRecord[] = [];
  let seq = n * 13 + 1;
  for (let r = 0; r < 6; r++) {
    const t = now - (5 - r) * 5_000;
    for (const iface of ['wan', 'wanb']) {
      const rtt = () => Math.round((12 + noise() * 8) * 1000) / 1000;
      const targets = ['192.0.2.1', '198.51.100.1'].map((name) => ({ ...target(name), rttAvgMs: rtt() }));
      const jitterMs = Math.round(noise() * 2000) / 1000;
      records.push(
        sample({ seq: seq++, timeMs: t, iface, rttAvgMs: rtt(), rttMinMs: 11, rttMaxMs: 21, jitterMs, targets }),
      );
    }
  }
  records.push(policy({ seq: seq++, timeMs: now, wanSharePct: 60 }));
  return { v: 1, deviceId, bootId: 'fleet-boot', sentAtMs: now, reportIntervalMs: UPLOAD_S * 1000, records };
}
const POINTS_PER_REPORT = 12 * 3 + 3;

interface Stack {
  dataDir: string;
  influxBaseUrl: string;
  influxUrl: string;
  redisUrl: string;
  influxPid: number;
}

const procCpuMs = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
const rssMb = (pid: number) =>
  Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 102.4) / 10;
/** Bytes of the files under `dir` whose name matches `re` (TSM: compressed points; `_series`: the series file). */
function filesBytes(dir: string, re: RegExp): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? filesBytes(p, re) : re.test(p) ? statSync(p).size : 0;
  }
  return n;
}
const usedMemory = async (redis: Redis) => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
async function influxQuery(stack: Stack, q: string, db = 'wanwatch'): Promise<unknown[][]> {
  const res = await fetch(`${stack.influxBaseUrl}/query`, { method: 'POST', body: new URLSearchParams({ db, q }) });
  const j = (await res.json()) as { results: Array<{ series?: Array<{ values: unknown[][] }> }> };
  return (j.results[0]?.series ?? []).flatMap((x) => x.values);
}
/** Exact series count of a database (the estimate is off by a third at these sizes). */
const seriesOf = async (stack: Stack, db = 'wanwatch') =>
  (await influxQuery(stack, 'SHOW SERIES EXACT CARDINALITY', db)).reduce((n, v) => n + Number(v[v.length - 1] ?? 0), 0);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One device-day, stored: DAY_DEVICES devices x 2,880 reports (a day at 30 s) with noisy values,
 * written as the API writes them (reportLines) into database `dayprobe`; once influxd has
 * snapshotted its cache, the TSM bytes (compressed points, before the full compaction that only
 * shrinks them) per device and day.
 */
async function deviceDay(stack: Stack, devices: number) {
  const db = 'dayprobe';
  for (const st of schemaStatements(db)) await influxQuery(stack, st.statement, db);
  const dayStart = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000;
  let points = 0;
  const t0 = performance.now();
  for (let d = 0; d < devices; d++) {
    for (let n0 = 0; n0 < 2_880; n0 += 240) {
      const lines: string[] = [];
      for (let n = n0; n < n0 + 240; n++)
        lines.push(...reportLines(report(`day-${d}`, n, dayStart + (n + 1) * 30_000)).raw);
      points += lines.length;
      const res = await fetch(`${stack.influxBaseUrl}/write?db=${db}&rp=raw&precision=ns`, {
        method: 'POST',
        body: lines.join('\n'),
      });
      if (res.status !== 204) throw new Error(`dayprobe write: ${res.status} ${await res.text()}`);
    }
  }
  const writeS = Math.round((performance.now() - t0) / 100) / 10;
  const dir = join(stack.dataDir, 'influxdb');
  const deadline = Date.now() + 60_000;
  // Snapshot done when this database's WAL is empty again and its TSM size stops changing.
  let tsm = -1;
  for (;;) {
    await sleep(2_000);
    const now = filesBytes(join(dir, 'data', db), /\.tsm$/);
    const wal = filesBytes(join(dir, 'wal', db), /\.wal$/);
    if ((now === tsm && now > 0 && wal < 1_000) || Date.now() > deadline) break;
    tsm = now;
  }
  return {
    devices,
    pointsPerDeviceDay: points / devices,
    writeS,
    tsmBytesPerDeviceDay: Math.round(tsm / devices),
    tsmBytesPerPoint: Math.round((tsm / points) * 100) / 100,
    seriesPerDevice: (await seriesOf(stack, db)) / devices,
  };
}

/** Redis bytes by key kind (the segment after the prefix; BullMQ keys by queue), for where the memory goes. */
async function redisByKind(redis: Redis): Promise<Record<string, number>> {
  const out = new Map<string, number>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 5_000);
    cursor = next;
    const p = redis.pipeline();
    for (const k of keys) p.memory('USAGE', k);
    const sizes = (await p.exec()) ?? [];
    keys.forEach((k, i) => {
      const parts = k.split(':');
      const kind =
        parts[1] === 'bull' || parts[0] === 'bull' ? parts.slice(0, 3).join(':') : parts.slice(0, 2).join(':');
      out.set(kind, (out.get(kind) ?? 0) + Number(sizes[i]?.[1] ?? 0));
    });
  } while (cursor !== '0');
  return Object.fromEntries([...out].filter(([, v]) => v > 100_000).sort((a, b) => b[1] - a[1]));
}

/** Go heap in use by influxd (SHOW STATS, module runtime). */
async function influxHeapMb(stack: Stack): Promise<number> {
  const res = await fetch(`${stack.influxBaseUrl}/query?q=${encodeURIComponent("SHOW STATS FOR 'runtime'")}`);
  const j = (await res.json()) as { results: Array<{ series?: Array<{ columns: string[]; values: unknown[][] }> }> };
  const s = j.results[0]?.series?.[0];
  const i = s?.columns.indexOf('HeapInUse') ?? -1;
  return i < 0 ? NaN : Math.round(Number(s!.values[0]![i]) / 1024 / 102.4) / 10;
}

async function startServe(stack: Stack, prefix: string): Promise<{ child: ChildProcess; port: number }> {
  const nodeArgs = [
    // The flags every launcher of the backend passes (the systemd units, `npm run up`).
    ...BACKEND_NODE_FLAGS,
    // BENCH_SERVE_PROF_DIR=/tmp/x writes a CPU profile of the serve process (node --cpu-prof) there.
    ...(process.env.BENCH_SERVE_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SERVE_PROF_DIR}`] : []),
  ];
  const child = spawn(process.execPath, [...nodeArgs, join(import.meta.dirname, '..', 'bin', 'wanwatch.js'), 'serve'], {
    env: {
      ...process.env,
      WANWATCH_INFLUX_URL: stack.influxUrl,
      WANWATCH_REDIS_URL: stack.redisUrl,
      WANWATCH_REDIS_PREFIX: prefix,
      WANWATCH_ADMIN_TOKEN: ADMIN,
      WANWATCH_PORT: '0',
      WANWATCH_LOG_LEVEL: 'info',
      WANWATCH_DATA_DIR: join(stack.dataDir, `serve-${prefix}`),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('serve did not start')), 60_000);
    child.stdout!.on('data', (d) => {
      out += String(d);
      const m = /"port":(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.resume();
        resolve(Number(m[1]));
      }
    });
  });
  return { child, port };
}

/**
 * Registers the fleet straight into Redis with the device store's record and token format (the
 * first one through the store itself, which makes the token key): 100k POSTs would take minutes.
 */
async function register(redis: Redis, prefix: string, fleet: number): Promise<string[]> {
  const keys = redisKeys(prefix);
  const tokens = [(await createDeviceStore(redis, keys).add({ id: `${prefix}-0` }, Date.now())).token];
  const key = await loadTokenKey(redis, keys.tokenKey);
  for (let i0 = 1; i0 < fleet; i0 += 2_000) {
    const p = redis.pipeline();
    for (let i = i0; i < Math.min(fleet, i0 + 2_000); i++) {
      const id = `${prefix}-${i}`;
      const token = newDeviceToken(id);
      tokens.push(token);
      const record = {
        v: 1,
        id,
        name: id,
        site: null,
        tokenHash: hashDeviceToken(token, key),
        createdAtMs: Date.now(),
        notificationEmails: [],
        multiWan: null,
      };
      p.set(keys.device(id), JSON.stringify(record), 'NX').sadd(keys.devices, id);
    }
    await p.exec();
  }
  return tokens;
}

/** Open loop at `rate`/s, each device once, issuing for PHASE_S at most; at most MAX_IN_FLIGHT at once. */
async function drive(pool: LeanHttpPool, prefix: string, tokens: string[], rate: number) {
  const acks: number[] = [];
  let errors = 0;
  let inFlight = 0;
  let behindMs = 0;
  const t0 = performance.now();
  const end = t0 + PHASE_S * 1000;
  const sends: Array<Promise<void>> = [];
  for (let i = 0; i < tokens.length && performance.now() < end; i++) {
    const due = t0 + (i / rate) * 1000;
    while (performance.now() < due || inFlight >= MAX_IN_FLIGHT) await new Promise((r) => setTimeout(r, 1));
    behindMs = Math.max(behindMs, performance.now() - due);
    inFlight++;
    const body = JSON.stringify(report(`${prefix}-${i}`, 1));
    const headers = headerLines({ 'Content-Type': 'application/json', Authorization: `Bearer ${tokens[i]}` });
    const s0 = performance.now();
    sends.push(
      pool
        .post('/api/v1/reports', headers, body)
        .then((r) => {
          if (r.status === 200) acks.push(performance.now() - s0);
          else errors++;
        })
        .catch(() => void errors++)
        .finally(() => void inFlight--),
    );
  }
  await Promise.all(sends);
  const seconds = (performance.now() - t0) / 1000;
  acks.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round((acks[Math.min(acks.length - 1, Math.floor(acks.length * p))] ?? NaN) * 10) / 10;
  return { sent: sends.length, acked: acks.length, errors, seconds, p50Ms: pct(0.5), p99Ms: pct(0.99), behindMs };
}

async function fleetRun(stack: Stack, redis: Redis, fleet: number) {
  const prefix = `fleet${fleet}`;
  const influxPid = stack.influxPid;
  const { child, port } = await startServe(stack, prefix);
  const pool = LeanHttpPool.forUrl(`http://127.0.0.1:${port}`);
  try {
    const mem0 = await usedMemory(redis);
    const r0 = performance.now();
    const tokens = await register(redis, prefix, fleet);
    const registerS = Math.round((performance.now() - r0) / 100) / 10;
    const mem1 = await usedMemory(redis);
    const series0 = await seriesOf(stack);
    const seriesFile0 = filesBytes(join(stack.dataDir, 'influxdb', 'data'), /_series/);
    const heap0 = await influxHeapMb(stack);
    const cpu0 = { serve: procCpuMs(child.pid!), influxd: procCpuMs(influxPid) };
    const rate = (fleet / UPLOAD_S) * dutyOf(fleet);
    const d = await drive(pool, prefix, tokens, rate);
    // Let the group-commit writer and the workers finish.
    await new Promise((r) => setTimeout(r, 3_000));

    const cpu1 = { serve: procCpuMs(child.pid!), influxd: procCpuMs(influxPid) };
    const mem2 = await usedMemory(redis);
    const series1 = await seriesOf(stack);
    const seriesFile1 = filesBytes(join(stack.dataDir, 'influxdb', 'data'), /_series/);
    const heap1 = await influxHeapMb(stack);
    return {
      fleet,
      duty: dutyOf(fleet),
      targetRatePerS: Math.round(rate),
      reportsPerS: Math.round(d.acked / d.seconds),
      maxBehindScheduleMs: Math.round(d.behindMs),
      registerS,
      sent: d.sent,
      acked: d.acked,
      errors: d.errors,
      ackP50Ms: d.p50Ms,
      ackP99Ms: d.p99Ms,
      serveCpuMsPerReport: Math.round(((cpu1.serve - cpu0.serve) / d.acked) * 100) / 100,
      influxdCpuMsPerReport: Math.round(((cpu1.influxd - cpu0.influxd) / d.acked) * 100) / 100,
      serveRssMb: rssMb(child.pid!),
      influxdRssMb: rssMb(influxPid),
      influxdHeapInUseMb: { before: heap0, after: heap1 },
      redisBytesPerRegisteredDevice: Math.round((mem1 - mem0) / fleet),
      redisBytesPerReportingDevice: Math.round((mem2 - mem1) / d.acked),
      redisBytesByKind: await redisByKind(redis),
      seriesPerDevice: Math.round(((series1 - series0) / d.acked) * 10) / 10,
      seriesFileBytesPerSeries: Math.round((seriesFile1 - seriesFile0) / Math.max(1, series1 - series0)),
    };
  } finally {
    pool.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'wanwatch-bench-fleet-'));
const influxd = await startInfluxd(join(dataDir, 'influxdb'), process.pid, undefined, { cacheSnapshotColdMs: 2_000 });
const redisd = await startRedis(join(dataDir, 'redis'), process.pid, false);
const stack: Stack = {
  dataDir,
  influxBaseUrl: influxd.url,
  influxUrl: `${influxd.url}/wanwatch`,
  redisUrl: redisd.url,
  influxPid: influxd.service.pid,
};
const redis = new Redis(stack.redisUrl);
try {
  const load0 = loadavg()[0]!;
  const runs = [];
  const day = DAY_DEVICES > 0 ? await deviceDay(stack, DAY_DEVICES) : undefined;
  if (day) console.error(JSON.stringify(day));
  for (const fleet of FLEETS.filter((f) => f > 0)) {
    runs.push(await fleetRun(stack, redis, fleet));
    console.error(JSON.stringify(runs.at(-1)));
  }
  console.log(
    JSON.stringify({
      bench: 'fleet',
      phaseS: PHASE_S,
      uploadS: UPLOAD_S,
      pointsPerReport: POINTS_PER_REPORT,
      loadAvg1m: { before: Math.round(load0 * 10) / 10, after: Math.round(loadavg()[0]! * 10) / 10 },
      day,
      runs,
    }),
  );
} finally {
  redis.disconnect();
  await influxd.service.stop();
  await redisd.service.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
