/**
 * bench/long-range: the 7-day and 30-day latency and loss panels read two ways, to decide what
 * wanwatch does where continuous queries are not available (WANWATCH_INFLUX_SCHEMA=external on
 * InfluxDB 2.x/3.x, or an administrator who did not create them):
 *  - `rollup`: from the 1-minute rollup `rollup_1m` that the CQs fill (the managed layout);
 *  - `raw`: from the raw rounds, aggregated at query time (`GROUP BY time($__interval)`).
 * One realistic device: 2 WANs, a round every 5 s for 30 days (1,036,800 `wan_iface` points) and
 * its 1-minute rollup (86,400 points); the panels' InfluxQL as Grafana sends it (1,000 points wide).
 * Median of 5 runs per query. Private influxd on 127.0.0.1; < 60 s on an idle 2-core machine.
 *
 *   node --import tsx bench/long-range.ts
 */
import { deviceQueries } from '../dashboards/core/device-queries.ts';
import { interpolate } from '../dashboards/test/grafana-interpolate.ts';
import { M, RP, retentionPolicies } from '../store/index.ts';
import { startStack, stopOnExit } from '../stack/stack.ts';

const DAY = 86_400_000;
const DAYS = 30;
const ROUND_MS = 5_000;
const IFACES = ['wan', 'wanb'];
const DEV = 'bench-long-range';
const NOW = Math.floor(Date.now() / 60_000) * 60_000;

async function post(base: string, path: string, body: string | URLSearchParams): Promise<string> {
  const res = await fetch(`${base}${path}`, { method: 'POST', body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return text;
}

async function seed(base: string, db: string): Promise<number> {
  await post(base, '/query', new URLSearchParams({ q: `CREATE DATABASE "${db}"` }));
  for (const rp of retentionPolicies('3650d')) {
    const q = `CREATE RETENTION POLICY "${rp.name}" ON "${db}" DURATION ${rp.duration} REPLICATION 1${rp.isDefault ? ' DEFAULT' : ''}`;
    await post(base, '/query', new URLSearchParams({ q }));
  }
  let points = 0;
  const from = NOW - DAYS * DAY;
  // One day per write keeps each body ~20 MB.
  for (let day = 0; day < DAYS; day++) {
    const lines: string[] = [];
    for (let t = from + day * DAY; t < from + (day + 1) * DAY; t += ROUND_MS) {
      for (const iface of IFACES) {
        const rtt = 18 + ((t / ROUND_MS) % 7);
        lines.push(
          `${M.iface},device=${DEV},iface=${iface} state="online",state_code=4i,up=1i,score=10i,round_ok=1i,` +
            `degraded=0i,rtt_avg_ms=${rtt},rtt_min_ms=${rtt - 2},rtt_max_ms=${rtt + 3},loss_pct=0,jitter_ms=1.2,seq=${t / ROUND_MS}i ${t}`,
        );
      }
    }
    points += lines.length;
    await post(base, `/write?db=${db}&rp=${RP.raw}&precision=ms`, lines.join('\n'));
  }
  const rollup: string[] = [];
  for (let t = from; t < NOW; t += 60_000) {
    for (const iface of IFACES) {
      rollup.push(
        `${M.ifaceRollup},device=${DEV},iface=${iface} rtt_avg_ms=21,rtt_min_ms=16,rtt_max_ms=24,loss_pct=0,jitter_ms=1.2,up_ratio=1,up_min=1i,rounds=12i ${t}`,
      );
    }
  }
  await post(base, `/write?db=${db}&rp=${RP.rollup}&precision=ms`, rollup.join('\n'));
  return points;
}

async function timeQuery(base: string, db: string, q: string): Promise<{ ms: number; rows: number }> {
  const runs: number[] = [];
  let rows = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const text = await post(base, '/query', new URLSearchParams({ db, q, epoch: 'ms' }));
    runs.push(performance.now() - t0);
    const j = JSON.parse(text) as { results: Array<{ error?: string; series?: Array<{ values: unknown[] }> }> };
    if (j.results[0]?.error) throw new Error(`${q}: ${j.results[0].error}`);
    rows = (j.results[0]?.series ?? []).reduce((n, s) => n + s.values.length, 0);
  }
  runs.sort((a, b) => a - b);
  return { ms: Math.round(runs[2]! * 10) / 10, rows };
}

const stack = await startStack({ log: () => {} });
stopOnExit(stack, () => process.exit(1));
try {
  const db = 'bench_long_range';
  const t0 = performance.now();
  const rawPoints = await seed(stack.influxBaseUrl, db);
  const seedS = Math.round((performance.now() - t0) / 100) / 10;
  const q = deviceQueries(DEV);
  const panels = { latencyAll: q.latencyAll, lossAll: q.lossAll, wanLatency: q.ifaceLatency('wan') };
  const results: Record<string, { ms: number; rows: number }> = {};
  for (const days of [7, 30]) {
    for (const rp of [RP.raw, RP.rollup]) {
      for (const [name, text] of Object.entries(panels)) {
        const vars = { iface: { values: IFACES, multi: true }, rp: { values: [rp], multi: false } };
        const sql = interpolate(text, { fromMs: NOW - days * DAY, toMs: NOW, vars });
        results[`${name}_${days}d_${rp === RP.raw ? 'raw' : 'rollup'}`] = await timeQuery(stack.influxBaseUrl, db, sql);
      }
    }
  }
  const sum = (days: number, kind: string) =>
    Object.entries(results)
      .filter(([k]) => k.endsWith(`_${days}d_${kind}`))
      .reduce((n, [, v]) => n + v.ms, 0);
  console.log(
    JSON.stringify({
      bench: 'long-range',
      device: { ifaces: IFACES.length, roundMs: ROUND_MS, days: DAYS, rawPoints },
      seedS,
      medianMs: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.ms])),
      rows: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.rows])),
      dashboardMs: {
        '7d_raw': sum(7, 'raw'),
        '7d_rollup': sum(7, 'rollup'),
        '30d_raw': sum(30, 'raw'),
        '30d_rollup': sum(30, 'rollup'),
      },
    }),
  );
} finally {
  await stack.stop();
}
