import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import request from 'supertest';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { QUEUES } from '../../store/index.ts';
import { createAlerting } from '../index.ts';
import { FAST, bullConnection, expectMails, mailsFor, sleep, startHarness, waitFor, type Harness } from './harness.ts';
import { workerRedis } from '../../backend/clients.ts';
import { createMailer } from '../../backend/mail.ts';
import { job, pol, tr } from './fixtures.ts';

const now = () => Date.now();
const started: Harness[] = [];
after(async () => {
  for (const h of started) await h.close().catch(() => undefined);
});

async function harness(label: string, opts: Parameters<typeof startHarness>[1] = {}) {
  const h = await startHarness(label, opts);
  started.push(h);
  return h;
}

async function linkDown(h: Harness, id: string, record: Parameters<Harness['addDevice']>[1] = {}) {
  await h.addDevice(id, record);
  await h.post(
    job(id, [
      tr(1, 'eth0', 'unknown', 'online', now() - 5000),
      tr(2, 'eth1', 'unknown', 'online', now() - 5000),
      pol(3, ['eth0', 'eth1'], now() - 5000),
    ]),
  );
  await h.post(job(id, [tr(10, 'eth1', 'online', 'offline', now())]));
}

describe('delivery through BullMQ and nodemailer against a real SMTP sink', () => {
  it('sink down for a while, then up: the email arrives once, after', async () => {
    const h = await harness('alert_pause', { options: { retryCoverageMs: 30_000 } });
    await h.sink.pause();
    await linkDown(h, 'p1');
    const retrying = await waitFor('a retrying attempt', async () => {
      const r = await request(h.api).get('/api/v1/notifications?status=retrying&device=p1');
      return r.body.notifications.length >= 2 && r.body.notifications;
    });
    assert.match(retrying[0].error, /ECONNECTION|ECONNREFUSED|connect/i);
    const restartedAt = now();
    await h.sink.start();
    const mails = await expectMails(h, 'p1', 1, 1000);
    assert.equal(mails.length, 1);
    assert.ok(h.sink.messages[0]!.receivedAtMs >= restartedAt);
    const sent = await request(h.api).get('/api/v1/notifications?status=sent&device=p1').expect(200);
    assert.equal(sent.body.notifications.length, 1);
    assert.ok(sent.body.notifications[0].attempt >= 3);
  });

  it('sink answering 550: failed at once, visible in /notifications?status=failed, not retried', async () => {
    const h = await harness('alert_550');
    h.sink.setMode('reject-permanent');
    await linkDown(h, 'r1');
    const failed = await waitFor('a failed notification', async () => {
      const r = await request(h.api).get('/api/v1/notifications?status=failed');
      return r.body.notifications.length >= 1 && r.body.notifications;
    });
    assert.equal(failed.length, 1);
    assert.equal(failed[0].deviceId, 'r1');
    assert.equal(failed[0].attempt, 1);
    assert.match(failed[0].error, /^550 /);
    assert.deepEqual(failed[0].recipients.sort(), ['noc@test.local', 'owner-r1@test.local']);
    await sleep(1500);
    const again = await request(h.api).get('/api/v1/notifications?device=r1').expect(200);
    assert.deepEqual(again.body.notifications.map((n: { status: string }) => n.status).sort(), ['failed', 'queued']);
    const q = new Queue(QUEUES.notify, { connection: bullConnection(h.redisUrl), prefix: h.keys.bull });
    const counts = await q.getJobCounts('failed', 'delayed', 'waiting', 'active');
    await q.close();
    assert.deepEqual(counts, { failed: 1, delayed: 0, waiting: 0, active: 0 });
  });

  it('a device with no recipients at all is recorded as no_recipients, not dropped silently', async () => {
    const h = await harness('alert_norcpt', { nocEmails: [] });
    await linkDown(h, 'n1', { notificationEmails: [] });
    const rows = await waitFor('a no_recipients record', async () => {
      const r = await request(h.api).get('/api/v1/notifications?status=no_recipients&device=n1');
      return r.body.notifications.length >= 1 && r.body.notifications;
    });
    assert.equal(rows.length, 1);
    assert.equal(h.sink.messages.length, 0);
  });

  it('workers killed during sending, twice, then another started: the incident is still delivered, once', async () => {
    const h = await harness('alert_kill', { startWorkers: false });
    // A mail server that accepts the connection and then never says a word: the send hangs there.
    const sockets: Socket[] = [];
    const stall = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => stall.listen(0, '127.0.0.1', r));
    const stallUrl = `smtp://127.0.0.1:${(stall.address() as AddressInfo).port}`;
    const children: ChildProcess[] = [];
    after(() => {
      children.forEach((c) => c.kill('SIGKILL'));
      sockets.forEach((s) => s.destroy());
      stall.close();
    });
    const startChild = async (): Promise<ChildProcess> => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', new URL('./notify-worker-child.ts', import.meta.url).pathname],
        {
          env: {
            ...process.env,
            WANWATCH_TEST_ALERTING_CHILD: JSON.stringify({
              influxUrl: h.influxUrl,
              redisUrl: h.redisUrl,
              prefix: h.prefix,
              smtpUrl: stallUrl,
              options: FAST,
            }),
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      children.push(child);
      await waitFor('child ready', async () => child.stdout!.read()?.toString().includes('ready'), 30_000);
      return child;
    };
    const killWhenSending = async (child: ChildProcess, connections: number) => {
      await waitFor(`connection ${connections} to the stalling mail server`, async () => sockets.length >= connections);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    };
    const first = await startChild();
    await linkDown(h, 'k1');
    await killWhenSending(first, 1);
    // A second worker takes the job over once the dead one's lock lapses, and is killed mid-send too.
    await killWhenSending(await startChild(), 2);
    assert.equal(h.sink.messages.length, 0);
    // A third worker (this process, real sink) takes it over again: two stalls do not lose the alert.
    await h.alerting.startWorkers();
    const mails = await expectMails(h, 'k1', 1, 1000, 20_000);
    assert.equal(mails.length, 1, 'delivered once');
    assert.match(mails[0]!.subject!, /eth1 DOWN/);
  });

  it('two alerting instances on one Redis (as two worker processes): exactly one watchdog acts (one unreachable email), then one reminder', async () => {
    const options = { ...FAST, reminderIntervalMs: 2000 };
    const h = await harness('alert_two', { options });
    const secondMailer = createMailer({ smtpUrl: h.sink.url, from: 'wanwatch@test.local' });
    after(() => secondMailer.close());
    const second = createAlerting({
      influx: h.influx,
      redis: workerRedis(h.redisUrl),
      redisPrefix: h.prefix,
      mailer: secondMailer,
      nocEmails: ['noc@test.local'],
      logger: pino({ level: 'silent' }),
      options,
    });
    after(() => second.close());
    await second.startWorkers();
    await h.addDevice('w1');
    await h.redis.hset(h.keys.live('w1'), { lastSeenMs: String(now()), reportIntervalMs: '100', ifaces: '{}' });
    await h.redis.zadd(h.keys.lastSeen, now(), 'w1');
    const first = await expectMails(h, 'w1', 1, 300);
    assert.deepEqual(
      first.map((m) => /device UNREACHABLE/.test(m.subject!)),
      [true],
    );
    const withReminder = await expectMails(h, 'w1', 2, 500);
    assert.equal(withReminder.length, 2, withReminder.map((m) => m.subject).join(' | '));
    assert.match(withReminder[1]!.subject!, /REMINDER: device UNREACHABLE for [0-9]/);
    await h.redis.zrem(h.keys.lastSeen, 'w1');
    assert.ok((await mailsFor(h, 'w1')).length <= 3);
  });
});
