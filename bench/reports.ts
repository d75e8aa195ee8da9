/**
 * bench/reports: how long an uptime report takes.
 *  - one device, 30 days, 2 WANs sampled every 5 s: the report is computed from the transitions
 *    (a realistic ~3 outages per link per day, 4 transitions each: disconnecting, offline,
 *    connecting, online), never from the 1,036,800 samples; both the pure core and the full path
 *    (InfluxDB query + Redis + compute) are timed;
 *  - a fleet of 1,000 such devices (1 outage per link per day) through `GET /uptime`'s service.
 * Baseline, measured in the same run: the naive way — walking the 5-second samples of that device
 * (in memory, no I/O) and adding 5 s per sample to its state's bucket.
 * Runs on a private influxd + redis-server on 127.0.0.1 (nothing leaves the host); < 60 s.
 *
 *   node --import tsx bench/reports.ts
 */
import { InfluxDB } from 'influx';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { encodeTagValue } from '../contract/index.ts';
import { M, RP, redisKeys, type DeviceRecord } from '../store/index.ts';
import { ensureInfluxSchema } from '../store/influx-ensure.ts';
import { computeDeviceUptime, createReportsService, type TransitionIn } from '../reports/index.ts';
import { createInfluxHistory } from '../reports/adapters/influx-history.ts';
import { startStack, stopOnExit } from '../stack/stack.ts';

const DAY = 86_400_000;
const DAYS = 30;
const SAMPLE_MS = 5_000;
const IFACES = ['wan', 'wanb'];
const FLEET = 1_000;
const TO = Date.UTC(2026, 9, 1);
const FROM = TO - DAYS * DAY;

function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Outages of 30 s … 30 min at random times, each as the 4 transitions mwan3track produces. */
function synthTransitions(seed: number, outagesPerDay: number): TransitionIn[] {
  const rnd = prng(seed);
  const out: TransitionIn[] = [];
  let seq = 0;
  for (const iface of IFACES) {
    out.push({
      timeMs: FROM - DAY,
      iface,
      from: 'unknown',
      to: 'online',
      reason: 'start',
      bootId: 'boot-1',
      seq: ++seq,
    });
    const n = DAYS * outagesPerDay;
    const slot = (TO - FROM) / n;
    for (let k = 0; k < n; k++) {
      const t0 = Math.round(FROM + k * slot + rnd() * (slot - 1_900_000));
      const d = 30_000 + Math.round(rnd() * 1_770_000);
      const s = (timeMs: number, from: TransitionIn['from'], to: TransitionIn['to']) =>
        out.push({ timeMs, iface, from, to, reason: 'track', bootId: 'boot-1', seq: ++seq });
      s(t0, 'online', 'disconnecting');
      s(t0 + 10_000, 'disconnecting', 'offline');
      s(t0 + d, 'offline', 'connecting');
      s(t0 + d + 10_000, 'connecting', 'online');
    }
  }
  return out;
}

const line = (device: string, t: TransitionIn) =>
  `${M.transition},device=${encodeTagValue(device)},iface=${t.iface} from_state="${t.from}",to_state="${t.to}",reason="${t.reason}",seq=${t.seq}i,boot_id="${t.bootId}" ${t.timeMs}${String(t.seq % 1_000_000).padStart(6, '0')}`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
async function timeIt(runs: number, fn: () => unknown): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return Math.round(median(ms) * 100) / 100;
}

/** The naive baseline: one state per 5-second sample, summed. */
function sampleScan(transitions: TransitionIn[]): Record<string, number> {
  const samples: Array<{ iface: string; state: string }> = [];
  const sorted = [...transitions].sort((a, b) => a.timeMs - b.timeMs);
  for (const iface of IFACES) {
    const own = sorted.filter((t) => t.iface === iface);
    let i = 0;
    let state = 'unknown';
    for (let ts = FROM; ts < TO; ts += SAMPLE_MS) {
      while (i < own.length && own[i]!.timeMs <= ts) state = own[i++]!.to;
      samples.push({ iface, state });
    }
  }
  const sums: Record<string, number> = {};
  for (const s of samples) sums[`${s.iface}:${s.state}`] = (sums[`${s.iface}:${s.state}`] ?? 0) + SAMPLE_MS;
  return sums;
}

const stack = await startStack({ log: () => {} });
stopOnExit(stack, () => process.exit(1));
const started = performance.now();
try {
  const u = new URL(stack.influxBaseUrl);
  const influx = new InfluxDB({
    host: u.hostname,
    port: Number(u.port),
    database: 'bench_reports',
    pool: { maxRetries: 0, requestTimeout: 60_000 },
  });
  await ensureInfluxSchema(influx);
  const redis = new Redis(stack.redisUrl);
  const keys = redisKeys('bench');
  const record = (id: string): DeviceRecord => ({
    v: 1,
    id,
    name: id,
    site: null,
    tokenHash: 'x',
    createdAtMs: FROM,
    notificationEmails: [],
    multiWan: null,
  });

  const write = async (lines: string[]) => {
    for (let i = 0; i < lines.length; i += 20_000) {
      const res = await fetch(`${stack.influxBaseUrl}/write?db=bench_reports&rp=${RP.forever}`, {
        method: 'POST',
        body: lines.slice(i, i + 20_000).join('\n'),
      });
      if (res.status !== 204) throw new Error(`write: ${res.status} ${await res.text()}`);
    }
  };

  // One device, ~3 outages per link per day.
  const one = synthTransitions(1, 3);
  await write(one.map((t) => line('ce-one', t)));
  await redis.set(keys.device('ce-one'), JSON.stringify(record('ce-one')));
  await redis.sadd(keys.devices, 'ce-one');
  const input = {
    deviceId: 'ce-one',
    fromMs: FROM,
    toMs: TO,
    nowMs: TO,
    transitions: one,
    deviceStates: [],
    silences: [],
  };
  const coreMs = await timeIt(7, () => computeDeviceUptime(input));
  const baselineMs = await timeIt(3, () => sampleScan(one));
  const service = createReportsService({ influx, redis, keys, logger: pino({ level: 'silent' }), nowMs: () => TO });
  const check = await service.device('ce-one', FROM, TO);
  if (check.ifaces.length !== 2) throw new Error('device report read back wrong');
  const deviceEndToEndMs = await timeIt(5, () => service.device('ce-one', FROM, TO));

  // Fleet: 1,000 devices, 1 outage per link per day.
  let fleetTransitions = 0;
  const fleetInputs: TransitionIn[][] = [];
  const fleetLines: string[] = [];
  for (let d = 0; d < FLEET; d++) {
    const tr = synthTransitions(1000 + d, 1);
    fleetInputs.push(tr);
    fleetTransitions += tr.length;
    for (const t of tr) fleetLines.push(line(`ce-${d}`, t));
  }
  await write(fleetLines);
  const pipe = redis.pipeline();
  for (let d = 0; d < FLEET; d++)
    pipe.set(keys.device(`ce-${d}`), JSON.stringify(record(`ce-${d}`))).sadd(keys.devices, `ce-${d}`);
  await pipe.exec();
  const fleetCoreMs = await timeIt(1, () =>
    fleetInputs.forEach((tr, d) =>
      computeDeviceUptime({
        deviceId: `ce-${d}`,
        fromMs: FROM,
        toMs: TO,
        nowMs: TO,
        transitions: tr,
        deviceStates: [],
        silences: [],
      }),
    ),
  );
  const fleetQueryMs = await timeIt(1, () => createInfluxHistory(influx).load(FROM, TO));
  let fleetDevices = 0;
  const fleetEndToEndMs = await timeIt(1, async () => {
    fleetDevices = (await service.fleet(FROM, TO)).deviceCount;
  });
  if (fleetDevices !== FLEET + 1) throw new Error(`fleet has ${fleetDevices} devices`);
  redis.disconnect();

  console.log(
    JSON.stringify({
      bench: 'reports',
      days: DAYS,
      sampleIntervalMs: SAMPLE_MS,
      ifacesPerDevice: IFACES.length,
      samplesPerDeviceEquivalent: (IFACES.length * (TO - FROM)) / SAMPLE_MS,
      transitionsPerDevice: one.length,
      deviceCoreMs: coreMs,
      deviceEndToEndMs,
      baselineSampleScanMs: baselineMs,
      ratioCoreVsSampleScan: Math.round((coreMs / baselineMs) * 10000) / 10000,
      fleetDevices: FLEET + 1,
      fleetTransitions: fleetTransitions + one.length,
      fleetCoreMs,
      fleetInfluxQueryMs: fleetQueryMs,
      fleetEndToEndMs,
      goal: 'device report < 1 s and fleet report < 30 s end to end',
      wallMs: Math.round(performance.now() - started),
    }),
  );
} finally {
  await stack.stop();
}
