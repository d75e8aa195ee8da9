// run-tests: alone
// (scripts/run-tests.ts runs this file after the others: six redis-servers and four backend processes share two cores)
/**
 * Scale-out, tested: two `wanwatch serve --role api` and two `--role worker` processes on one Redis
 * Cluster (3 masters + 3 replicas) and one InfluxDB, under a bounded load of reports from many
 * devices, some of which lose a link (an incident each). The load generator does what the reporter
 * does: it keeps a batch until an API acknowledged it, retrying on another API.
 *
 *  1. one API and one worker are killed with SIGKILL mid-load;
 *  2. then a Redis master (the one holding BullMQ's slot) is killed mid-load and its replica takes over.
 *
 * After each: every acknowledged sample is in InfluxDB exactly once, every incident was emailed
 * exactly once, and BullMQ's queues drain (nothing waiting, active or delayed but the sweep timer).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import type { InfluxDB } from 'influx';
import { bullConnection, closeBullConnection, influxClient } from '../backend/clients.ts';
import type { ReportRecord, ReportV1 } from '../contract/index.ts';
import { M, QUEUES, redisKeys } from '../store/index.ts';
import { freePort } from '../stack/free-port.ts';
import { clusterCli, startRedisCluster, type RedisCluster } from '../stack/redis-cluster.ts';
import { startSmtpSink, type SmtpSink } from '../stack/smtp-sink.ts';
import { testServices } from '../stack/testing.ts';
import { policy, sample, transition } from '../test-support/records.ts';

const DEVICES = 40;
const REPORTS = 6;
/** Every CUT-th device loses `wan` in its CUT_AT-th report: one incident each. */
const CUT = 5;
const CUT_AT = 3;
const PREFIX = 'many';
const ADMIN = 'many-processes-admin-token-0123';
const root = join(import.meta.dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  name: string;
  child: ChildProcess;
  port?: number;
  alive: boolean;
}

describe('many processes on a Redis Cluster', () => {
  let cluster: RedisCluster;
  let sink: SmtpSink;
  let influx: InfluxDB;
  let env: NodeJS.ProcessEnv;
  const procs: Proc[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'ww-many-'));
  const logFile = join(dir, 'backend.log');
  const tokens = new Map<string, string>();
  /** Set by a failing phase: the backend logs are then kept (test-output/) for the diagnosis. */
  let failed = false;

  function start(role: 'api' | 'worker', port?: number): Promise<Proc> {
    const log = openSync(logFile, 'a');
    const args =
      role === 'api'
        ? [join(root, 'bin', 'wanwatch.js'), 'serve', '--role', 'api', '--port', String(port)]
        : ['--import', 'tsx', join(import.meta.dirname, 'many-processes', 'worker-child.ts')];
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', log] });
    closeSync(log);
    const p: Proc = { name: `${role}-${procs.length}`, child, port, alive: true };
    procs.push(p);
    child.once('exit', () => (p.alive = false));
    const ready = role === 'api' ? 'wanwatch API listening' : 'workers started';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${p.name} not ready:\n${logTail()}`)), 45_000);
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        appendFileSync(logFile, d);
        out += d.toString();
        if (out.includes(ready)) {
          clearTimeout(timer);
          out = '';
          resolve(p);
        }
      });
      child.once('exit', (code) => reject(new Error(`${p.name} exited (${code}):\n${logTail()}`)));
    });
  }
  const logTail = () => {
    try {
      return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-20).join('\n');
    } catch {
      return '';
    }
  };
  const apis = () => procs.filter((p) => p.port !== undefined && p.alive);

  before(async () => {
    const svc = await testServices();
    const db = svc.influxDb('many');
    [cluster, sink] = await Promise.all([startRedisCluster(), startSmtpSink()]);
    env = {
      ...process.env,
      WANWATCH_INFLUX_URL: db.url,
      WANWATCH_REDIS_URL: cluster.url,
      WANWATCH_REDIS_PREFIX: PREFIX,
      WANWATCH_ADMIN_TOKEN: ADMIN,
      WANWATCH_SMTP_URL: sink.url,
      WANWATCH_MAIL_FROM: 'wanwatch <many@example.test>',
      WANWATCH_ALERT_EMAILS: 'noc@example.test',
      WANWATCH_DATA_DIR: dir,
      WANWATCH_LOG_LEVEL: 'info',
      WANWATCH_GROUP_WAIT_MS: '500',
      WANWATCH_WATCHDOG_MIN_MS: '600000',
      WANWATCH_REPORT_SCHEDULE: 'off',
      WANWATCH_QUALITY_WINDOW_MS: '0',
    };
    const [p1, p2] = [await freePort(), await freePort()];
    // The first API creates the InfluxDB schema; the others start together.
    await start('api', p1);
    await Promise.all([start('api', p2), start('worker'), start('worker')]);
    influx = influxClient(db.url);
  });

  after(async () => {
    for (const p of procs) if (p.alive) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => (p.alive ? new Promise((r) => p.child.once('exit', r)) : undefined)));
    await cluster?.stop();
    await sink?.close();
    if (failed) {
      const out = join(root, 'test-output', `many-processes-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
      mkdirSync(join(root, 'test-output'), { recursive: true });
      copyFileSync(logFile, out);
      process.stderr.write(`many-processes failed: backend logs and queue state in ${out}\n`);
    }
    if (process.env.WANWATCH_TEST_KEEP) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  });

  /** Registers the devices through the API (the admin's way). */
  async function register(ids: string[]): Promise<void> {
    for (const id of ids) {
      const res = await post('/api/v1/devices', ADMIN, { id, name: id, notificationEmails: [`${id}@example.test`] });
      assert.equal(res.status, 201, `registering ${id}: ${res.status}`);
      tokens.set(id, ((await res.json()) as { token: string }).token);
    }
  }

  let rr = 0;
  /** One attempt on the next live API; undefined when it did not answer. */
  async function post(path: string, token: string, body: unknown): Promise<Response> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const live = apis();
      const api = live[rr++ % Math.max(1, live.length)];
      if (api) {
        try {
          const res = await fetch(`http://127.0.0.1:${api.port}${path}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(10_000),
          });
          if (res.status < 500 && res.status !== 429) return res;
          await res.body?.cancel();
        } catch {
          // Connection refused or reset (a killed API): the reporter keeps the batch and retries.
        }
      }
      await sleep(100 + Math.random() * 200);
    }
    throw new Error(`${path}: no API acknowledged after 200 attempts`);
  }

  /** The reports of one device: samples of both links every round; a cut device loses `wan`. */
  function reports(id: string, cut: boolean, baseMs: number): ReportV1[] {
    const out: ReportV1[] = [];
    let seq = 1;
    for (let r = 0; r < REPORTS; r++) {
      const t = baseMs + r * 2_000;
      const wanOnline = !(cut && r >= CUT_AT);
      const records: ReportRecord[] = [];
      if (r === 0) {
        records.push(
          transition({ seq: seq++, timeMs: t, iface: 'wan', from: 'unknown', to: 'online', reason: 'start' }),
        );
        records.push(
          transition({ seq: seq++, timeMs: t, iface: 'wanb', from: 'unknown', to: 'online', reason: 'start' }),
        );
        records.push(policy({ seq: seq++, timeMs: t }));
      }
      if (cut && r === CUT_AT) {
        records.push(transition({ seq: seq++, timeMs: t, iface: 'wan', from: 'online', to: 'offline' }));
        records.push(policy({ seq: seq++, timeMs: t }));
      }
      records.push(sample({ seq: seq++, timeMs: t, iface: 'wan', online: wanOnline }));
      records.push(sample({ seq: seq++, timeMs: t, iface: 'wanb' }));
      out.push({ v: 1, deviceId: id, bootId: 'boot-many-1', sentAtMs: t + 500, reportIntervalMs: 2_000, records });
    }
    return out;
  }

  /**
   * Every device sends its reports in order, each until acknowledged, all devices at once;
   * `midway` runs once a third of the reports are acknowledged. Returns the acknowledged samples.
   */
  async function load(ids: string[], midway: () => Promise<void> | void): Promise<Set<string>> {
    const acked = new Set<string>();
    const total = ids.length * REPORTS;
    let done = 0;
    let fired: Promise<void> | undefined;
    const baseMs = Date.now() - 60_000;
    await Promise.all(
      ids.map(async (id, i) => {
        for (const rep of reports(id, i % CUT === 0, baseMs)) {
          const res = await post('/api/v1/reports', tokens.get(id)!, rep);
          assert.equal(res.status, 200, `${id} seq ${rep.records[0]!.seq}: ${res.status} ${await res.text()}`);
          for (const r of rep.records) if (r.type === 'sample') acked.add(`${id}|${r.iface}|${r.timeMs}`);
          if (++done >= total / 3) fired ??= Promise.resolve(midway());
        }
      }),
    );
    await fired;
    return acked;
  }

  async function checkStored(ids: string[], acked: Set<string>): Promise<void> {
    const rows = (await influx.query(
      `SELECT "score", "iface", "device" FROM "${M.iface}" WHERE ${ids.map((id) => `"device" = '${id}'`).join(' OR ')}`,
    )) as unknown as Array<{ time: Date; iface: string; device: string }>;
    const stored = rows.map((r) => `${r.device}|${r.iface}|${r.time.getTime()}`);
    assert.equal(new Set(stored).size, stored.length, 'a sample stored twice');
    assert.deepEqual(new Set(stored), acked, 'stored samples = acknowledged samples');
  }

  async function checkEmails(ids: string[]): Promise<void> {
    const cut = ids.filter((_, i) => i % CUT === 0);
    const mine = () => sink.messages.filter((m) => ids.some((id) => m.raw.includes(`${id}@example.test`)));
    const deadline = Date.now() + 45_000;
    while (mine().length < cut.length && Date.now() < deadline) await sleep(200);
    await sleep(2_000); // nothing more may follow
    const to = mine().map((m) => m.rcptTo.find((r) => r !== 'noc@example.test')!.replace('@example.test', ''));
    assert.deepEqual(to.sort(), cut.sort(), 'one email per incident');
  }

  async function checkDrained(): Promise<void> {
    const bull = redisKeys(PREFIX).bull;
    const conns = Object.values(QUEUES).map(() => bullConnection(cluster.url));
    const queues = Object.values(QUEUES).map((name, i) => new Queue(name, { connection: conns[i]!, prefix: bull }));
    try {
      const deadline = Date.now() + 30_000;
      let counts: Array<Record<string, number>> = [];
      for (;;) {
        counts = await Promise.all(queues.map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')));
        // The watchdog sweep is a repeating timer: one delayed job of alerting's timer queue is its next run.
        const busy = counts.map((c, i) => {
          const allowedDelayed = queues[i]!.name === QUEUES.alertTimers ? 1 : 0;
          return c.waiting! + c.active! + c.prioritized! + Math.max(0, c.delayed! - allowedDelayed);
        });
        if (busy.every((b) => b === 0)) return;
        if (Date.now() > deadline) break;
        await sleep(250);
      }
      assert.fail(`jobs left: ${JSON.stringify(Object.fromEntries(queues.map((q, i) => [q.name, counts[i]])))}`);
    } finally {
      await Promise.all(queues.map((q) => q.close()));
      conns.forEach(closeBullConnection);
    }
  }

  /**
   * Runs a phase; when it fails, appends what the queues hold (counts, failed and delayed jobs, the
   * cut devices' alerting jobs) to the backend log, which after() then keeps.
   */
  async function phase(ids: string[], body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (err) {
      failed = true;
      appendFileSync(logFile, `\n--- phase failed: ${(err as Error).message}\n${await queueState(ids)}\n`);
      throw err;
    }
  }

  async function queueState(ids: string[]): Promise<string> {
    const bull = redisKeys(PREFIX).bull;
    const conn = bullConnection(cluster.url);
    const lines: string[] = [`emails: ${sink.messages.length}`];
    try {
      for (const name of Object.values(QUEUES)) {
        const q = new Queue(name, { connection: conn, prefix: bull });
        lines.push(`${name}: ${JSON.stringify(await q.getJobCounts())}`);
        for (const j of await q.getJobs(['failed', 'delayed', 'active', 'waiting'], 0, 20))
          lines.push(`  ${j.id} ${j.name} ${JSON.stringify(j.data).slice(0, 160)} failed=${j.failedReason ?? ''}`);
        if (name === QUEUES.deviceEvents) {
          const all = await q.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed'], 0, 5_000);
          for (const id of ids.filter((_, i) => i % CUT === 0))
            lines.push(
              `  ${id}: ${all
                .filter(
                  (j) =>
                    j.data?.deviceId === id ||
                    (j.data?.reports as Array<{ deviceId: string }> | undefined)?.some((r) => r.deviceId === id),
                )
                .map((j) => `${j.id}(${j.name === 'rounds' ? 'rounds' : `t${j.data.transitions?.length ?? 0}`})`)
                .join(' ')}`,
            );
        }
        await q.close();
      }
    } catch (err) {
      lines.push(`queue state unreadable: ${(err as Error).message}`);
    } finally {
      closeBullConnection(conn);
    }
    return lines.join('\n');
  }

  it('SIGKILL of one API and one worker mid-load: every record stored once, every incident emailed once', async () => {
    const ids = Array.from({ length: DEVICES }, (_, i) => `k-${String(i).padStart(2, '0')}`);
    await phase(ids, async () => {
      await register(ids);
      const acked = await load(ids, () => {
        for (const p of [apis()[0]!, procs.find((x) => x.port === undefined && x.alive)!]) {
          p.child.kill('SIGKILL');
          p.alive = false;
        }
      });
      assert.equal(acked.size, DEVICES * REPORTS * 2);
      await checkStored(ids, acked);
      await checkEmails(ids);
      await checkDrained();
    });
  });

  it("a Redis master failover mid-load (BullMQ's master): the same counts", async () => {
    const ids = Array.from({ length: DEVICES }, (_, i) => `f-${String(i).padStart(2, '0')}`);
    await phase(ids, async () => {
      await register(ids);
      const bullSlot = Number((await clusterCli(cluster.nodes[0]!.port, 'cluster', 'keyslot', '{bull}')).trim());
      const victim = await masterOf(cluster, bullSlot);
      const acked = await load(ids, () => cluster.kill(victim));
      await cluster.waitHealthy(30_000);
      assert.ok(!(await cluster.masters()).includes(victim), 'the replica took over');
      assert.equal(acked.size, DEVICES * REPORTS * 2);
      await checkStored(ids, acked);
      await checkEmails(ids);
      await checkDrained();
    });
  });
});

/** The port of the master serving `slot`. */
async function masterOf(cluster: RedisCluster, slot: number): Promise<number> {
  const lines = (await clusterCli(cluster.nodes[0]!.port, 'cluster', 'nodes')).trim().split('\n');
  for (const l of lines) {
    const f = l.split(' ');
    if (!f[2]!.split(',').includes('master')) continue;
    for (const range of f.slice(8)) {
      const [a, b] = range.split('-').map(Number);
      if (slot >= a! && slot <= (b ?? a)!) return Number(/:(\d+)@/.exec(f[1]!)![1]);
    }
  }
  throw new Error(`no master serves slot ${slot}`);
}
