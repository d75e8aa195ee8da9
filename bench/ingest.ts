/**
 * bench/ingest — points/s through POST /api/v1/reports (a real `wanwatch serve` child process, many
 * concurrent simulated devices) next to raw line-protocol writes of the same points straight to the
 * same influxd, plus p50/p99 ack latency at half the measured load. Loopback only; ~60 s.
 * Prints ONE JSON line.
 *
 *   node --import tsx bench/ingest.ts
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND_NODE_FLAGS } from '../backend/node-flags.ts';
import { startStack } from '../stack/stack.ts';
import type { ReportV1, ReportRecord } from '../contract/index.ts';
import { reportLines } from '../ingest/core/report-points.ts';
import { LeanHttpPool, headerLines } from './lib/lean-http-client.ts';
import { policy, sample as sampleRecord, target } from '../test-support/records.ts';
import { Redis } from 'ioredis';

/**
 * 256 devices with one upload each in flight. A real fleet of 10,000 devices at 2,000 reports/s keeps
 * at least that many uploads open at once (rate x (ack time + WAN round trip + TLS) = 2,000/s x
 * 50-150 ms = 100-300). With far fewer (BENCH_CONCURRENCY=48) both paths are bound by InfluxDB's
 * per-write fsync latency (~11 ms here) rather than by CPU: each of our acks waits for its group's
 * write, so the API then gets ~0.5 of the raw rate (docs/performance.md).
 */
const DEVICES = Number(process.env.BENCH_DEVICES ?? 256);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 256);
const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 3_000);
/** API and raw phases alternate this many times each (PHASE_MS each). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
/** Rounds per report in the batched phase: a device sampling every 5 s and uploading every 30 s. */
const BATCH_ROUNDS = 6;
const FLEET = 10_000;
const FLEET_INTERVAL_S = 5;

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 });

function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: 'POST',
        agent,
        headers: { ...headers, 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Reports of which one in POLICY_EVERY carries a policy snapshot (default 12). The reporter's
 * defaults (a snapshot every 10 s, an upload every 5 s) put one in every second report:
 * BENCH_POLICY_EVERY=2 measures that mix.
 */
const POLICY_EVERY = Number(process.env.BENCH_POLICY_EVERY ?? 12);

/**
 * A device's report: `rounds` tracker rounds 5 s apart, 2 WANs x 2 targets each (6 points a round);
 * a policy snapshot in one report of POLICY_EVERY. rounds = 1 is a report every 5 s.
 */
function makeReport(deviceId: string, n: number, rounds = 1): ReportV1 {
  const now = Date.now() - 2_000;
  const perReport = rounds * 2 + 1;
  const seq0 = n * perReport + 1;
  const sample = (iface: string, seq: number, t: number): ReportRecord =>
    sampleRecord({
      seq,
      timeMs: t,
      iface,
      rttAvgMs: 10 + (n % 7),
      rttMinMs: 9,
      rttMaxMs: 20,
      jitterMs: 0.5,
      targets: ['192.0.2.1', '198.51.100.1'].map((name) => ({
        ...target(name),
        rttAvgMs: 10,
        rttMinMs: 10,
        rttMaxMs: 10,
      })),
    });
  const records: ReportRecord[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = now - (rounds - 1 - r) * 5_000;
    records.push(sample('wan', seq0 + r * 2, t), sample('wanb', seq0 + r * 2 + 1, t));
  }
  if (n % POLICY_EVERY === 0) {
    records.push(policy({ seq: seq0 + rounds * 2, timeMs: now, wanSharePct: 60 }));
  }
  return { v: 1, deviceId, bootId: `bench-${deviceId}`, sentAtMs: now + 1000, reportIntervalMs: 5000, records };
}

/** Points a report makes (what reportLines gives, counted without building the lines: client CPU is shared with the server). */
const pointsOf = (r: ReportV1) => {
  let n = 0;
  for (const rec of r.records) {
    if (rec.type === 'sample') n += 1 + rec.targets.length;
    else if (rec.type === 'policy') for (const p of rec.policies) n += 1 + p.members.length;
    else n += 1;
  }
  return n;
};

/** Machine-wide CPU ticks from /proc/stat: [busy, idle, steal] (steal: time the hypervisor gave to others). */
function machineTicks(): [number, number, number] {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
    return [user + nice + system + irq + softirq, idle + iowait, steal];
  } catch {
    return [NaN, NaN, NaN];
  }
}

interface RunFigures {
  points: number;
  reports: number;
  seconds: number;
  errors: number;
}
const sumRuns = (runs: RunFigures[]): RunFigures => ({
  points: runs.reduce((a, r) => a + r.points, 0),
  reports: runs.reduce((a, r) => a + r.reports, 0),
  seconds: runs.reduce((a, r) => a + r.seconds, 0),
  errors: runs.reduce((a, r) => a + r.errors, 0),
});

/**
 * Closed loop: CONCURRENCY workers send back to back for PHASE_MS. Worker w sends for devices w,
 * w + CONCURRENCY, ... in turn, each device's reports in sequence: like a reporter, a device has
 * one upload in flight (the server's per-device gate makes a second one wait for the first).
 * With more workers than devices, workers share devices, and those reports wait at the gate.
 */
async function closedLoop(send: (dev: number, n: number) => Promise<number>): Promise<RunFigures> {
  const end = performance.now() + PHASE_MS;
  const started = performance.now();
  let points = 0;
  let reports = 0;
  let errors = 0;
  const sent = new Array<number>(DEVICES).fill(0);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_w, w) => {
      for (let k = 0; performance.now() < end; k++) {
        const dev = (w + k * CONCURRENCY) % DEVICES;
        try {
          const p = await send(dev, 1000 + sent[dev]!++);
          points += p;
          reports++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { points, reports, seconds: (performance.now() - started) / 1000, errors };
}

async function main() {
  const t0 = performance.now();
  const stack = await startStack({ log: () => {} });
  const adminToken = 'bench-admin-token-0123456789';
  const pools: LeanHttpPool[] = [];
  const child = spawn(
    process.execPath,
    [
      // The flags every launcher of the backend passes (the systemd units, `npm run up`).
      ...BACKEND_NODE_FLAGS,
      // BENCH_SERVE_PROF_DIR=/tmp/x writes a CPU profile of the API process (node --cpu-prof) there.
      ...(process.env.BENCH_SERVE_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SERVE_PROF_DIR}`] : []),
      join(import.meta.dirname, '..', 'bin', 'wanwatch.js'),
      'serve',
      '--role',
      'api',
    ],
    {
      env: {
        ...process.env,
        WANWATCH_INFLUX_URL: stack.influxUrl,
        WANWATCH_REDIS_URL: stack.redisUrl,
        WANWATCH_ADMIN_TOKEN: adminToken,
        WANWATCH_PORT: '0',
        WANWATCH_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('serve did not start')), 30_000);
      child.stdout!.on('data', (d) => {
        out += String(d);
        const m = /"port":(\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    const api = `http://127.0.0.1:${port}`;
    const tokens: string[] = [];
    for (let d = 0; d < DEVICES; d++) {
      const r = await post(`${api}/api/v1/devices`, JSON.stringify({ id: `bench-${d}` }), {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${adminToken}`,
      });
      if (r.status !== 201) throw new Error(`register: ${r.status} ${r.text}`);
      tokens.push((JSON.parse(r.text) as { token: string }).token);
    }
    // Load goes through a lean client (bench/lib/lean-http-client.ts): it shares the cores with the server.
    const apiPool = LeanHttpPool.forUrl(api);
    pools.push(apiPool);
    const deviceHeaders = tokens.map((t) =>
      headerLines({ 'Content-Type': 'application/json', Authorization: `Bearer ${t}` }),
    );
    const sendApi = async (dev: number, n: number, rounds = 1) => {
      const rep = makeReport(`bench-${dev}`, n, rounds);
      const r = await apiPool.post('/api/v1/reports', deviceHeaders[dev]!, JSON.stringify(rep));
      if (r.status !== 200) throw new Error(`${r.status} ${r.body}`);
      return pointsOf(rep);
    };
    for (const rep of [makeReport('check', 0), makeReport('check', 1), makeReport('check', 0, BATCH_ROUNDS)]) {
      const l = reportLines(rep);
      if (pointsOf(rep) !== l.raw.length + l.forever.length) throw new Error('pointsOf disagrees with reportLines');
    }
    // Warm-up: every token verified once (scrypt) and cached, JIT warm.
    await Promise.all(tokens.map((_t, d) => sendApi(d, 0)));

    /** CPU ms so far of this process, influxd and redis-server (Linux /proc; clock ticks of 10 ms). */
    const procCpuMs = (pid: number | undefined) => {
      try {
        const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return (Number(f[11]) + Number(f[12])) * 10;
      } catch {
        return NaN;
      }
    };
    const otherCpuMs = () => {
      const u = process.cpuUsage();
      return {
        client: (u.user + u.system) / 1000,
        influxd: procCpuMs(stack.services.find((x) => x.name === 'influxd')?.pid),
        redis: procCpuMs(stack.services.find((x) => x.name === 'redis-server')?.pid),
      };
    };
    const metricsText = () =>
      new Promise<string>((resolve, reject) =>
        request({ host: '127.0.0.1', port, path: '/metrics', agent }, (res) => {
          let b = '';
          res.on('data', (d) => (b += d));
          res.on('end', () => resolve(b));
        })
          .on('error', reject)
          .end(),
      );
    const metric = (text: string, name: string) =>
      Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    const cpuSeconds = async () => metric(await metricsText(), 'wanwatch_process_cpu_seconds_total');
    /** Group-commit writes so far: count, points, seconds (from the server's own histograms). */
    const groupCommit = async () => {
      const t = await metricsText();
      return {
        writes: metric(t, 'wanwatch_influx_batch_points_count'),
        points: metric(t, 'wanwatch_influx_batch_points_sum'),
        seconds: metric(t, 'wanwatch_influx_write_seconds_sum'),
      };
    };
    // Baseline: the same reports' lines written straight to influxd, one /write per report, same concurrency.
    const influxPool = LeanHttpPool.forUrl(stack.influxBaseUrl);
    pools.push(influxPool);
    const writePath = (rp: string) => `/write?db=wanwatch&precision=n&rp=${rp}`;
    const textHeaders = headerLines({ 'Content-Type': 'text/plain' });
    const sendRaw = async (dev: number, n: number) => {
      const rep = makeReport(`bench-${dev}`, n);
      const l = reportLines(rep);
      const r = await influxPool.post(writePath('raw'), textHeaders, l.raw.join('\n'));
      if (r.status !== 204) throw new Error(`${r.status} ${r.body}`);
      return l.raw.length;
    };

    // API and baseline phases interleave (API-raw, raw-API, ...): this VM's speed drifts by tens of
    // percent over a minute, and a ratio of neighbouring phases cancels most of that drift.
    const apiRuns: RunFigures[] = [];
    const rawRuns: RunFigures[] = [];
    let cpuServerS = 0;
    const others = { client: 0, influxd: 0, redis: 0 };
    const apiPhase = async (offset: number) => {
      const cpu0 = await cpuSeconds();
      const o0 = otherCpuMs();
      apiRuns.push(await closedLoop((dev, n) => sendApi(dev, offset + n)));
      cpuServerS += (await cpuSeconds()) - cpu0;
      const o1 = otherCpuMs();
      others.client += o1.client - o0.client;
      others.influxd += o1.influxd - o0.influxd;
      others.redis += o1.redis - o0.redis;
    };
    // Redis commands per report during the API phases (INFO commandstats): round trips are latency.
    const statsRedis = new Redis(stack.redisUrl, { lazyConnect: true });
    await statsRedis.connect();
    const redisCalls = async () => {
      const calls = new Map<string, number>();
      for (const m of (await statsRedis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
        calls.set(m[1]!, Number(m[2]));
      return calls;
    };
    const redisCallsApi = new Map<string, number>();
    const apiPhaseCounted = async (offset: number) => {
      const c0 = await redisCalls();
      await apiPhase(offset);
      for (const [cmd, n] of await redisCalls())
        redisCallsApi.set(cmd, (redisCallsApi.get(cmd) ?? 0) + n - (c0.get(cmd) ?? 0));
    };
    const gc0 = await groupCommit();
    const ticks0 = machineTicks();
    for (let round = 0; round < ROUNDS; round++) {
      const offset = 1_000 + round * 100_000;
      if (round % 2 === 0) {
        await apiPhaseCounted(offset);
        rawRuns.push(await closedLoop((dev, n) => sendRaw(dev, offset + n)));
      } else {
        rawRuns.push(await closedLoop((dev, n) => sendRaw(dev, offset + n)));
        await apiPhaseCounted(offset);
      }
    }
    const gc1 = await groupCommit();
    const ticks1 = machineTicks();
    const tickSum = ticks1.reduce((a, v, i) => a + v - ticks0[i]!, 0);
    const pctOf = (i: number) => Math.round(((ticks1[i]! - ticks0[i]!) / tickSum) * 100);
    // On a shared VM, steal > ~10 % means the figures say more about the neighbours than about us.
    const machineDuringPhases = { busyPct: pctOf(0), idlePct: pctOf(1), stealPct: pctOf(2) };
    const apiRun = sumRuns(apiRuns);
    const rawRun = sumRuns(rawRuns);
    const serverCpuMsPerReport = (cpuServerS * 1000) / apiRun.reports;
    // Where the machine's CPU went during the API phases, per report (the server's is serverCpuMsPerReport).
    const perReport = (ms: number) => Math.round((ms / apiRun.reports) * 1000) / 1000;
    const apiPhaseCpuMsPerReport = {
      server: Math.round(serverCpuMsPerReport * 1000) / 1000,
      benchClient: perReport(others.client),
      influxd: perReport(others.influxd),
      redis: perReport(others.redis),
    };
    // INFO's own calls are left out; each figure is per report, commands sent (script bodies count once).
    redisCallsApi.delete('info');
    const redisCallsPerReport = Object.fromEntries(
      [...redisCallsApi]
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1])
        .map(([cmd, n]) => [cmd, Math.round((n / apiRun.reports) * 100) / 100]),
    );
    statsRedis.disconnect();
    const roundRatios = apiRuns.map(
      (a, i) => Math.round((a.points / a.seconds / (rawRuns[i]!.points / rawRuns[i]!.seconds)) * 100) / 100,
    );

    // Raw bulk (informational): 5000-line writes, the most influxd takes on this machine.
    const bulkLines: string[] = [];
    for (let i = 0; bulkLines.length < 5000; i++)
      bulkLines.push(...reportLines(makeReport(`bulk-${i % DEVICES}`, 50_000 + i)).raw);
    const bulkStart = performance.now();
    let bulkPoints = 0;
    while (performance.now() - bulkStart < 3_000) {
      await Promise.all(
        [0, 1].map(async () => {
          const r = await influxPool.post(writePath('raw'), textHeaders, bulkLines.join('\n'));
          if (r.status === 204) bulkPoints += bulkLines.length;
        }),
      );
    }
    const bulkPps = bulkPoints / ((performance.now() - bulkStart) / 1000);

    // Batched uploads: the same devices sending 30 s of rounds per report (fewer, larger requests).
    const batchedRun = await closedLoop((dev, n) => sendApi(dev, 900_000 + n, BATCH_ROUNDS));

    // Ack latency at half the measured API load (open loop, fixed rate).
    const apiReportsPerSec = apiRun.reports / apiRun.seconds;
    const halfRate = apiReportsPerSec / 2;
    const lat: number[] = [];
    const latStart = performance.now();
    const inflight: Promise<void>[] = [];
    let k = 0;
    while (performance.now() - latStart < 5_000) {
      const due = latStart + (k * 1000) / halfRate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const i = k++;
      const s = performance.now();
      inflight.push(
        sendApi(i % DEVICES, 800_000 + Math.floor(i / DEVICES)).then(
          () => void lat.push(performance.now() - s),
          () => undefined,
        ),
      );
    }
    await Promise.all(inflight);
    lat.sort((a, b) => a - b);
    const pct = (p: number) =>
      Math.round((lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] ?? NaN) * 10) / 10;

    const apiPps = apiRun.points / apiRun.seconds;
    const rawPps = rawRun.points / rawRun.seconds;
    const pointsPerReport = apiRun.points / apiRun.reports;
    const requiredReportsPerSec = FLEET / FLEET_INTERVAL_S;
    console.log(
      JSON.stringify({
        bench: 'ingest',
        devices: DEVICES,
        concurrency: CONCURRENCY,
        pointsPerReport: Math.round(pointsPerReport * 100) / 100,
        policySnapshotEveryNthReport: POLICY_EVERY,
        pointsPerSec: Math.round(apiPps),
        reportsPerSec: Math.round(apiReportsPerSec),
        baselinePointsPerSec: Math.round(rawPps),
        baseline: 'same points, one raw /write per report, same concurrency, same influxd',
        ratio: Math.round((apiPps / rawPps) * 100) / 100,
        rounds: ROUNDS,
        roundRatios,
        roundReportsPerSec: apiRuns.map((r) => Math.round(r.reports / r.seconds)),
        goal: '>=0.6',
        groupCommit: {
          writesPerSec: Math.round((gc1.writes - gc0.writes) / apiRun.seconds),
          meanPointsPerWrite: Math.round((gc1.points - gc0.points) / (gc1.writes - gc0.writes)),
          meanWriteMs: Math.round(((gc1.seconds - gc0.seconds) * 10_000) / (gc1.writes - gc0.writes)) / 10,
        },
        rawBulkPointsPerSec: Math.round(bulkPps),
        ratioToBulk: Math.round((apiPps / bulkPps) * 100) / 100,
        batched: {
          roundsPerReport: BATCH_ROUNDS,
          pointsPerSec: Math.round(batchedRun.points / batchedRun.seconds),
          reportsPerSec: Math.round(batchedRun.reports / batchedRun.seconds),
          // 10,000 devices sampling every 5 s, uploading every 30 s
          fleetRequiredPointsPerSec: Math.round((FLEET / FLEET_INTERVAL_S) * (apiRun.points / apiRun.reports)),
          keepsUp:
            batchedRun.points / batchedRun.seconds >= (FLEET / FLEET_INTERVAL_S) * (apiRun.points / apiRun.reports),
        },
        ackLatencyAtHalfLoad: {
          reportsPerSec: Math.round(halfRate),
          p50Ms: pct(50),
          p99Ms: pct(99),
          samples: lat.length,
        },
        fleet: {
          devices: FLEET,
          intervalS: FLEET_INTERVAL_S,
          requiredReportsPerSec,
          requiredPointsPerSec: Math.round(requiredReportsPerSec * pointsPerReport),
          keepsUp: apiReportsPerSec >= requiredReportsPerSec,
        },
        // CPU the API process spent per report: unlike rates, not distorted by other load on the machine.
        serverCpuMsPerReport: Math.round(serverCpuMsPerReport * 1000) / 1000,
        apiPhaseCpuMsPerReport,
        redisCallsPerReport,
        projectedReportsPerSecOn2Cores: Math.round(2000 / serverCpuMsPerReport),
        machineDuringPhases,
        loadAverage1m: (await import('node:os')).loadavg()[0],
        errors: apiRun.errors + rawRun.errors,
        cpus: (await import('node:os')).cpus().length,
        wallS: Math.round((performance.now() - t0) / 100) / 10,
      }),
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    agent.destroy();
    for (const p of pools) p.close();
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
