/**
 * Fault suite of issue #14 (acceptance): with the real influxd, redis-server, SMTP sink and BullMQ,
 * (a) InfluxDB down across a group's due time, (b) Redis restarted across it, (c) the worker
 * killed with SIGKILL while it sends — every later event is emailed, every email is recorded, and
 * duplicates happen only for messages in flight at the kill (counted and printed).
 *
 * Outage length. The scenario is a 5-minute InfluxDB outage; here it is a parameter,
 * WANWATCH_FAULT_OUTAGE_MS (default below). What decides the outcome is not the wall-clock length
 * but whether the outage outlasts every retry, backoff and lock interval in play: once it does, each
 * waiting step sits in the same capped retry cycle (outageRetryMaxDelayMs), a step that gives up
 * after a number of tries has given up, and a longer outage only repeats that cycle. The options
 * below shrink those intervals, and the test asserts that the outage exceeds the largest of them
 * (node-influx's host back-off included) before it starts.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import request from 'supertest';
import { QUEUES } from '../../store/index.ts';
import { messageIdFor, notifyJobId, type NotifyJob } from '../deliver.ts';
import type { AlertingOptions } from '../options.ts';
import { job, pol, tr } from './fixtures.ts';
import { FAST, bullConnection, expectMails, mailsFor, startHarness, waitFor, type Harness } from './harness.ts';
import { startPrivateServices, type PrivateServices } from './private-services.ts';

const OPTIONS: Partial<AlertingOptions> = {
  ...FAST,
  groupWaitMs: 1000,
  outageRetryBaseMs: 100,
  outageRetryMaxDelayMs: 1000,
  poisonMaxAttempts: 3,
};
/** node-influx marks a host that refused as down and skips it for up to 10 s (its default back-off cap). */
const NODE_INFLUX_HOST_BACKOFF_MAX_MS = 10_000;
/** Flush jobs' own attempts (poisonMaxAttempts, 500 ms doubling): what an outage would have to outlast if it counted. */
const FLUSH_PLAN_MS = 500 * (2 ** (OPTIONS.poisonMaxAttempts! - 1) - 1);
const LONGEST_INTERVAL_MS = Math.max(
  OPTIONS.outageRetryMaxDelayMs!,
  OPTIONS.lockDurationMs!,
  OPTIONS.stalledIntervalMs!,
  OPTIONS.sweepIntervalMs!,
  OPTIONS.groupWaitMs!,
  FLUSH_PLAN_MS,
  NODE_INFLUX_HOST_BACKOFF_MAX_MS,
);
const OUTAGE_MS = Number(process.env.WANWATCH_FAULT_OUTAGE_MS ?? LONGEST_INTERVAL_MS + 2_000);
const now = () => Date.now();

async function steadyDevice(h: Harness, id: string) {
  await h.addDevice(id);
  const t = now() - 5000;
  await h.post(
    job(id, [
      tr(1, 'eth0', 'unknown', 'online', t),
      tr(2, 'eth1', 'unknown', 'online', t),
      pol(3, ['eth0', 'eth1'], t),
    ]),
  );
}

/** Sent records of a device; [] while InfluxDB answers 503 (node-influx skips a host that failed for a while after an outage). */
async function sentRecords(h: Harness, deviceId: string): Promise<Array<{ subject: string }>> {
  const r = await request(h.api).get(`/api/v1/notifications?status=sent&device=${deviceId}`);
  if (r.status === 503) return [];
  assert.equal(r.status, 200);
  return r.body.notifications;
}

/** After the fault: the first email exactly once, then a later link-up and link-down each emailed, all recorded as sent. */
async function laterEventsAreEmailed(h: Harness, id: string, figures: Record<string, number | string>) {
  const restoredAt = now();
  const first = await expectMails(h, id, 1, 500, 60_000);
  figures.firstEmailsAfterFault = first.length;
  assert.deepEqual(
    first.map((m) => m.subject),
    [`[wanwatch] Router ${id} (Berlin): eth1 DOWN`],
  );
  await h.post(job(id, [tr(11, 'eth1', 'offline', 'online', now())]));
  const second = await expectMails(h, id, 2, 500, 60_000);
  assert.equal(second.length, 2);
  assert.match(second[1]!.subject!, /eth1 UP after/);
  await h.post(job(id, [tr(12, 'eth0', 'online', 'offline', now())]));
  const third = await expectMails(h, id, 3, 500, 60_000);
  assert.deepEqual(
    third.map((m) => m.subject!.replace(/ after .*/, '')),
    [
      `[wanwatch] Router ${id} (Berlin): eth1 DOWN`,
      `[wanwatch] Router ${id} (Berlin): eth1 UP`,
      `[wanwatch] Router ${id} (Berlin): eth0 DOWN`,
    ],
  );
  figures.laterEventsEmailedMs = now() - restoredAt;
  // Every email sent is recorded, the one sent during the outage included.
  const sent = await waitFor('3 sent records', async () => {
    const s = await sentRecords(h, id);
    return s.length >= 3 && s;
  });
  assert.equal(sent.length, 3);
}

async function outageRetries(h: Harness): Promise<number> {
  const m = await h.alerting.registry?.getSingleMetric('wanwatch_alerting_outage_retries_total')?.get();
  return m?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
}

describe('fault suite: outages and crashes leave no alert stuck', () => {
  let svc: PrivateServices;
  before(async () => {
    svc = await startPrivateServices();
  });
  after(() => svc?.close());

  it(`(a) InfluxDB down across a group's due time (${OUTAGE_MS} ms): every later event is emailed`, async () => {
    assert.ok(
      OUTAGE_MS > LONGEST_INTERVAL_MS,
      `outage ${OUTAGE_MS} ms must exceed the longest interval ${LONGEST_INTERVAL_MS} ms`,
    );
    const h = await startHarness('fault_influx', { services: svc.services, options: OPTIONS });
    after(() => h.close());
    await steadyDevice(h, 'fi1');
    await h.post(job('fi1', [tr(10, 'eth1', 'online', 'offline', now())]));
    const downAt = now();
    await svc.stopInfluxd();
    const dueInOutage = downAt + OPTIONS.groupWaitMs! - now();
    assert.ok(dueInOutage > 0, 'influxd stopped before the group was due');
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const retriesDuringOutage = await outageRetries(h);
    await svc.startInfluxd();
    const figures: Record<string, number | string> = {
      outageMs: OUTAGE_MS,
      longestIntervalMs: LONGEST_INTERVAL_MS,
      groupDueMsAfterInfluxdStopped: dueInOutage,
      outageRetriesDuringOutage: retriesDuringOutage,
    };
    await laterEventsAreEmailed(h, 'fi1', figures);
    console.log(`fault (a) InfluxDB outage: ${JSON.stringify(figures)}`);
    assert.ok(retriesDuringOutage > 0, 'steps waited for InfluxDB');
  });

  it(`(b) Redis restarted across a group's due time (${OUTAGE_MS} ms down): every later event is emailed`, async () => {
    const h = await startHarness('fault_redis', { services: svc.services, options: OPTIONS });
    after(() => h.close());
    await steadyDevice(h, 'fr1');
    await h.post(job('fr1', [tr(10, 'eth1', 'online', 'offline', now())]));
    const downAt = now();
    await svc.stopRedis();
    const dueInOutage = downAt + OPTIONS.groupWaitMs! - now();
    assert.ok(dueInOutage > 0, 'redis-server stopped before the group was due');
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    await svc.startRedis();
    const figures: Record<string, number | string> = {
      outageMs: OUTAGE_MS,
      groupDueMsAfterRedisStopped: dueInOutage,
    };
    await laterEventsAreEmailed(h, 'fr1', figures);
    console.log(`fault (b) Redis restart: ${JSON.stringify(figures)}`);
  });

  for (const influx of ['hanging', 'up'] as const) {
    it(`(c) worker killed with SIGKILL while sending 40 emails, InfluxDB ${influx}: all delivered, duplicates only for messages in flight`, async () => {
      const h = await startHarness(`fault_kill_${influx}`, { startWorkers: false });
      after(() => h.close());
      // InfluxDB "hanging": accepts connections and never answers, so every "sent" record waits —
      // the widest gap between the mail server's 250 and the job's completion.
      const sockets: Socket[] = [];
      const hang = createServer((s) => {
        s.on('error', () => {}); // the killed child's connections are reset
        sockets.push(s);
      });
      await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
      const childInfluxUrl =
        influx === 'hanging' ? `http://127.0.0.1:${(hang.address() as AddressInfo).port}/hang` : h.influxUrl;
      const child: ChildProcess = spawn(
        process.execPath,
        ['--import', 'tsx', new URL('./notify-worker-child.ts', import.meta.url).pathname],
        {
          env: {
            ...process.env,
            WANWATCH_TEST_ALERTING_CHILD: JSON.stringify({
              influxUrl: childInfluxUrl,
              redisUrl: h.redisUrl,
              prefix: h.prefix,
              smtpUrl: h.sink.url,
              options: FAST,
            }),
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      after(() => {
        child.kill('SIGKILL');
        sockets.forEach((s) => s.destroy());
        hang.close();
      });
      await waitFor('child ready', async () => child.stdout!.read()?.toString().includes('ready'), 30_000);
      const notify = new Queue<NotifyJob>(QUEUES.notify, {
        connection: bullConnection(h.redisUrl),
        prefix: h.keys.bull,
      });
      after(() => notify.close());
      const jobIds = new Map<string, string>();
      for (let i = 0; i < 40; i++) {
        const deviceId = `kk${i}`;
        const notificationId = `grp:boot:${i}`;
        const messageId = messageIdFor(deviceId, notificationId);
        const jobId = notifyJobId(deviceId, notificationId);
        jobIds.set(messageId, jobId);
        await notify.add(
          'send',
          {
            v: 1,
            deviceId,
            notificationId,
            incidentKind: 'link_down',
            to: ['noc@test.local'],
            subject: `[wanwatch] Router ${deviceId} (Berlin): eth1 DOWN`,
            text: 'eth1 went offline',
            html: '<p>eth1 went offline</p>',
            messageId,
          },
          { jobId, attempts: 5, backoff: { type: 'wanwatch' } },
        );
      }
      // 25 = the child's notifyConcurrency: with InfluxDB hanging, exactly that many jobs get to send.
      await h.sink.waitForMessages(25, 30_000);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const idOf = (raw: Buffer) => /^Message-ID:\s*(<[^>]+>)/im.exec(raw.toString())?.[1] ?? '?';
      const receivedAtKill = new Set(h.sink.messages.map((m) => idOf(m.raw)));
      const markedAtKill = new Set<string>();
      for (const [messageId, jobId] of jobIds) {
        if (await h.redis.exists(`${h.prefix}:alert:sent:${jobId}`)) markedAtKill.add(messageId);
      }
      const inFlightAtKill = [...receivedAtKill].filter((id) => !markedAtKill.has(id));
      // Another worker (this process) takes over the dead one's jobs once their locks lapse.
      await h.alerting.startWorkers();
      await h.sink.waitForMessages(40, 60_000);
      await new Promise((r) => setTimeout(r, 1500)); // late duplicates would arrive now
      const copies = new Map<string, number>();
      for (const m of h.sink.messages) copies.set(idOf(m.raw), (copies.get(idOf(m.raw)) ?? 0) + 1);
      const duplicates = [...copies].filter(([, n]) => n > 1).map(([id]) => id);
      const figures = {
        influx,
        emails: 40,
        receivedBeforeKill: receivedAtKill.size,
        markedSentBeforeKill: markedAtKill.size,
        inFlightAtKill: inFlightAtKill.length,
        messagesInSink: h.sink.messages.length,
        distinctDelivered: copies.size,
        duplicates: duplicates.length,
      };
      console.log(`fault (c) SIGKILL during sends: ${JSON.stringify(figures)}`);
      assert.equal(copies.size, 40, 'every email delivered');
      for (const id of duplicates) assert.ok(inFlightAtKill.includes(id), `${id} re-sent although it was marked sent`);
      // In flight at a kill, per pooled SMTP connection (10): at most the message being transferred
      // and the one whose 250 is being marked.
      assert.ok(duplicates.length <= 20, `${duplicates.length} duplicates`);
      const sent = await waitFor('40 sent records', async () => {
        const r = await request(h.api).get('/api/v1/notifications?status=sent&limit=1000').expect(200);
        const kk = r.body.notifications.filter((n: { deviceId: string }) => n.deviceId.startsWith('kk'));
        return new Set(kk.map((n: { notificationId: string }) => n.notificationId)).size >= 40 && kk;
      });
      assert.ok(sent.length >= 40);
      assert.equal((await mailsFor(h, 'kk0')).length >= 1, true);
    });
  }
});
