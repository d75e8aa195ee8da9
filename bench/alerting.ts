/**
 * bench/alerting — time from a report's arrival at ingest (HTTP POST /api/v1/reports on loopback,
 * real InfluxDB, Redis, BullMQ) to the SMTP sink accepting the failover email, p50/p99 over many
 * devices failing at about the same time. Baseline in the same run: the same number of emails sent
 * straight through a pooled nodemailer transport to the same sink (no queue, no grouping).
 * Goal: p99 <= group wait + 1 s. Loopback only; bounded (< 60 s). Prints ONE JSON line.
 *
 *   node --import tsx bench/alerting.ts            (BENCH_DEVICES=200 BENCH_GROUP_WAIT_MS=1000)
 */
import { workerRedis } from '../backend/clients.ts';
import { createMailer } from '../backend/mail.ts';
import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import { pino } from 'pino';
import { createAlerting } from '../alerting/index.ts';
import type { ReportRecord, ReportV1 } from '../contract/index.ts';
import { startTestIngest } from '../test-support/ingest.ts';
import { startSmtpSink } from '../stack/smtp-sink.ts';
import { stopOwnServices } from '../stack/testing.ts';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 200);
const GROUP_WAIT_MS = Number(process.env.BENCH_GROUP_WAIT_MS ?? 1000);
const SPREAD_MS = 2000;
const DEADLINE_MS = 50_000;
const started = Date.now();

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const t = await startTestIngest({ label: 'bench_alert', routers: [] });
const sink = await startSmtpSink();
const mailer = createMailer({ smtpUrl: sink.url, from: 'wanwatch@bench.local' });
const alerting = createAlerting({
  influx: t.influx,
  redis: workerRedis(t.redisUrl),
  redisPrefix: t.prefix,
  mailer,
  nocEmails: [],
  logger: pino({ level: 'silent' }),
  options: { groupWaitMs: GROUP_WAIT_MS, sweepIntervalMs: 5000, watchdogMinMs: 600_000 },
});
await alerting.startWorkers();
const server = t.app.listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

console.error(`bench alerting: stack and workers ready after ${Date.now() - started} ms`);
const ids = Array.from({ length: DEVICES }, (_, i) => `bench-${i}`);
const tokens = new Map<string, string>();
for (let i = 0; i < ids.length; i += 20) {
  await Promise.all(
    ids
      .slice(i, i + 20)
      .map(async (id) => tokens.set(id, await t.addDevice(id, { notificationEmails: [`owner-${id}@bench.local`] }))),
  );
}

console.error(`bench alerting: ${DEVICES} devices registered after ${Date.now() - started} ms`);
const policy = (seq: number, timeMs: number, wanShare: number): ReportRecord => ({
  type: 'policy',
  seq,
  timeMs,
  policies: [
    {
      policy: 'balanced',
      family: 'ipv4',
      members: [
        { iface: 'wan', sharePct: wanShare, metric: 1, weight: 1 },
        { iface: 'wanb', sharePct: 100 - wanShare, metric: 1, weight: 1 },
      ],
      lastResort: 'unreachable',
      lastResortActive: false,
    },
  ],
});
async function post(id: string, records: ReportRecord[]): Promise<void> {
  const body: ReportV1 = {
    v: 1,
    deviceId: id,
    bootId: 'boot-bench-0001',
    sentAtMs: Date.now(),
    reportIntervalMs: 5000,
    records,
  };
  const res = await fetch(`${base}/api/v1/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get(id)}` },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`report of ${id}: HTTP ${res.status} ${await res.text()}`);
}

// Steady state first (no email), then every device loses `wan` within SPREAD_MS.
const t0 = Date.now() - 60_000;
for (let i = 0; i < ids.length; i += 25) {
  await Promise.all(
    ids.slice(i, i + 25).map((id) =>
      post(id, [
        {
          type: 'transition',
          seq: 1,
          timeMs: t0,
          iface: 'wan',
          from: 'unknown',
          to: 'online',
          score: 12,
          reason: 'start',
        },
        {
          type: 'transition',
          seq: 2,
          timeMs: t0,
          iface: 'wanb',
          from: 'unknown',
          to: 'online',
          score: 12,
          reason: 'start',
        },
        policy(3, t0, 50),
      ]),
    ),
  );
}
await sleep(500);
const sentAt = new Map<string, number>();
await Promise.all(
  ids.map(async (id, i) => {
    await sleep(Math.floor((i / ids.length) * SPREAD_MS));
    const now = Date.now();
    sentAt.set(id, now);
    await post(id, [
      {
        type: 'transition',
        seq: 4,
        timeMs: now,
        iface: 'wan',
        from: 'online',
        to: 'offline',
        score: 0,
        reason: 'track',
      },
      policy(5, now, 0),
    ]);
  }),
);
const failedAt = Date.now();
const deadline = failedAt + Math.max(10_000, DEADLINE_MS - (failedAt - started));
while (sink.messages.length < DEVICES && Date.now() < deadline) await sleep(50);
const latencies: number[] = [];
for (const m of sink.messages) {
  const id = m.rcptTo[0]?.replace(/^owner-|@bench\.local$/g, '');
  const s = id ? sentAt.get(id) : undefined;
  if (s !== undefined) latencies.push(m.receivedAtMs - s);
}
const delivered = sink.messages.length;
// Where the time goes (stderr): report -> notify job added (group wait + flush), -> picked up, -> sink.
{
  const { Queue } = await import('bullmq');
  const { QUEUES } = await import('../store/index.ts');
  const q = new Queue(QUEUES.notify, {
    connection: { host: new URL(t.redisUrl).hostname, port: Number(new URL(t.redisUrl).port) },
    prefix: t.keys.bull,
  });
  const jobs = await q.getJobs(['completed'], 0, DEVICES);
  const toAdd: number[] = [];
  const toPick: number[] = [];
  const run: number[] = [];
  for (const j of jobs) {
    const s0 = sentAt.get(String(j.data.deviceId));
    if (s0 === undefined || !j.processedOn) continue;
    toAdd.push(j.timestamp - s0);
    toPick.push(j.processedOn - j.timestamp);
    if (j.finishedOn) run.push(j.finishedOn - j.processedOn);
  }
  console.error(
    `bench alerting: report->notify queued p50 ${pct(toAdd, 50)} p99 ${pct(toAdd, 99)}; queued->picked p50 ${pct(toPick, 50)} p99 ${pct(toPick, 99)}; send+record p50 ${pct(run, 50)} p99 ${pct(run, 99)}`,
  );
  await q.close();
}

// Baseline: the same number of emails straight through pooled nodemailer to the same sink.
const direct = nodemailer.createTransport({ url: sink.url, pool: true, maxConnections: 5 });
const baseline: number[] = [];
await Promise.all(
  ids.map(async (id) => {
    const s = Date.now();
    await direct.sendMail({
      from: 'wanwatch@bench.local',
      to: `direct-${id}@bench.local`,
      subject: 'baseline',
      text: 'x',
      html: '<p>x</p>',
    });
    baseline.push(Date.now() - s);
  }),
);
direct.close();

const p99 = pct(latencies, 99);
console.log(
  JSON.stringify({
    bench: 'alerting',
    from: 'report arrival at ingest (HTTP POST on loopback)',
    to: 'SMTP sink accepted the message',
    devices: DEVICES,
    delivered,
    duplicates: Math.max(0, delivered - DEVICES),
    groupWaitMs: GROUP_WAIT_MS,
    p50Ms: pct(latencies, 50),
    p99Ms: p99,
    maxMs: Math.max(...latencies),
    overGroupWaitP99Ms: p99 - GROUP_WAIT_MS,
    baselineDirectSmtpP50Ms: pct(baseline, 50),
    baselineDirectSmtpP99Ms: pct(baseline, 99),
    goal: `p99 <= groupWaitMs + 1000 (${GROUP_WAIT_MS + 1000})`,
    ok: delivered === DEVICES && p99 <= GROUP_WAIT_MS + 1000,
    wallMs: Date.now() - started,
  }),
);
server.close();
await alerting.close();
mailer.close();
await sink.close();
await t.close();
await stopOwnServices();
process.exit(0);
