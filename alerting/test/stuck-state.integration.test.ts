/**
 * No stuck alert state (issue #14), the two gaps the fault suite does not reach, with the real
 * redis-server, influxd, SMTP sink and BullMQ:
 * (a) an events job that fails because it stalled (its worker died after the record went into the
 *     device's inbox) — the watchdog sweep applies the record, once;
 * (b) a flush that fails between its writes while a later event of the device arrives — every event
 *     is emailed exactly once, in its group or the next one. The failure is injected through
 *     alerting's own flush checkpoint.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { OutageError } from '../adapters/outage.ts';
import { parseState } from '../core/state.ts';
import { jobIdOf } from '../deliver.ts';
import type { AlertingSteps, FlushPoint } from '../device-steps.ts';
import type { AlertingOptions } from '../options.ts';
import { job, pol, tr } from './fixtures.ts';
import { QUEUES } from '../../store/index.ts';
import { FAST, bullConnection, expectMails, startHarness, waitFor, type Harness } from './harness.ts';

const now = () => Date.now();
const BOOT = 'boot-aaaaaaaa';

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

async function alertState(h: Harness, id: string) {
  const raw = await h.redis.get(`${h.prefix}:{d:${id}}:alert:state`);
  return raw ? parseState(raw, id) : null;
}

/** Whether alerting has applied the device's record `seq` (of the fixtures' boot). */
async function applied(h: Harness, id: string, seq: number): Promise<boolean> {
  return ((await alertState(h, id))?.seen.get(BOOT) ?? 0) >= seq;
}

async function counter(h: Harness, name: string): Promise<number> {
  return (await h.alerting.registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0;
}

describe('an events job that stalled too often: its inbox record is applied by the sweep, once', () => {
  // One stall fails the job (maxStalledCount 0): the case of a job whose every run was cut short.
  const options: Partial<AlertingOptions> = { ...FAST, maxStalledCount: 0 };
  let h: Harness;
  let child: ChildProcess | undefined;
  before(async () => {
    h = await startHarness('alert_stranded', { startWorkers: false, options });
  });
  after(async () => {
    child?.kill('SIGKILL');
    await h?.close();
  });

  it('worker dies after queueing the record in the inbox: the sweep applies it, a replay adds nothing', async () => {
    const id = 'sx1';
    // The only worker is a child process that dies while it applies eth1 → offline.
    child = spawn(
      process.execPath,
      ['--import', 'tsx', new URL('./notify-worker-child.ts', import.meta.url).pathname],
      {
        env: {
          ...process.env,
          WANWATCH_TEST_ALERTING_CHILD: JSON.stringify({
            influxUrl: h.influxUrl,
            redisUrl: h.redisUrl,
            prefix: h.prefix,
            smtpUrl: h.sink.url,
            options,
            dieOn: { iface: 'eth1', to: 'offline' },
          }),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise((r) => child!.once('exit', r));
    await waitFor('child ready', async () => child!.stdout!.read()?.toString().includes('ready'), 30_000);
    await steadyDevice(h, id);
    await waitFor('steady state applied', () => applied(h, id, 3), 20_000);
    const down = job(id, [tr(10, 'eth1', 'online', 'offline', now())]);
    await h.post(down, 'ev_sx1_down');
    await Promise.race([
      exited,
      new Promise((_, reject) => setTimeout(() => reject(new Error('child did not die')), 20_000)),
    ]);
    // The scenario: the record is in the inbox, not applied, and its job is left active.
    assert.equal(await h.redis.llen(`${h.prefix}:{d:${id}}:alert:inbox`), 1);
    assert.equal(await applied(h, id, 10), false);
    // The dead worker's device lock would lapse after its 30 s TTL; let it lapse now.
    await h.redis.pexpire(`${h.prefix}:{d:${id}}:alert:lock`, 1);

    await h.alerting.startWorkers();
    const failed = await waitFor(
      'the events job failed as stalled',
      async () => {
        const j = await h.events.getJob('ev_sx1_down');
        return j?.failedReason && (await j.getState()) === 'failed' ? j : undefined;
      },
      20_000,
    );
    assert.match(failed.failedReason, /stalled/);
    const mails = await expectMails(h, id, 1, 1000, 20_000);
    assert.deepEqual(
      mails.map((m) => m.subject),
      [`[wanwatch] Router ${id} (Berlin): eth1 DOWN`],
    );
    assert.equal(await counter(h, 'wanwatch_alerting_stranded_inboxes_drained_total'), 1);
    await waitFor('inbox emptied', async () => (await h.redis.llen(`${h.prefix}:{d:${id}}:alert:inbox`)) === 0);

    // An operator retries the failed job: it queues its record again, which is skipped by its seq.
    await failed.retry();
    await waitFor('replayed job completed', async () => (await failed.getState()) === 'completed', 20_000);
    await h.post(job(id, [tr(11, 'eth1', 'offline', 'online', now())]));
    const all = await expectMails(h, id, 2, 1500, 20_000);
    assert.equal(all.length, 2, all.map((m) => m.subject).join(' | '));
    assert.match(all[1]!.subject!, /eth1 UP after/);
    assert.equal(await counter(h, 'wanwatch_alerting_stranded_inboxes_drained_total'), 1);
  });
});

describe('a flush that fails between its writes: every event is emailed once, in its group or the next', () => {
  /**
   * Per device: the flush point that fails until the device's next event (eth1 back up) is applied,
   * or, with `lost`, until the test has removed the flush job.
   */
  const plan = new Map<string, { point: FlushPoint; posted: boolean; failures: number; lost?: boolean }>();
  let h: Harness;
  const steps: Partial<AlertingSteps> = {
    async flushCheckpoint(point, deviceId) {
      const p = plan.get(deviceId);
      if (!p || p.point !== point) return;
      if (p.lost !== undefined) {
        if (p.lost) return;
        p.failures += 1;
        throw new OutageError('redis', 'injected: Redis gone after the flush sealed its group');
      }
      if (await applied(h, deviceId, 11)) return;
      // The failure holds the flush until the later event went in, so it surely lands in between.
      if (!p.posted) {
        p.posted = true;
        await h.post(job(deviceId, [tr(11, 'eth1', 'offline', 'online', now())]));
      }
      p.failures += 1;
      throw new OutageError('redis', `injected: Redis gone after the flush reached "${point}"`);
    },
  };
  before(async () => {
    h = await startHarness('alert_flush_points', { steps });
  });
  after(() => h?.close());

  for (const point of ['sealed', 'queued'] as const) {
    it(`failure after "${point}": the DOWN and the later UP each emailed exactly once`, async () => {
      const id = `fp-${point}`;
      plan.set(id, { point, posted: false, failures: 0 });
      await steadyDevice(h, id);
      await waitFor('steady state applied', () => applied(h, id, 3), 20_000);
      await h.post(job(id, [tr(10, 'eth1', 'online', 'offline', now())]));
      const mails = await expectMails(h, id, 2, 1500, 30_000);
      assert.ok(plan.get(id)!.failures >= 1, 'the injected failure happened');
      assert.equal(mails.length, 2, mails.map((m) => m.subject).join(' | '));
      assert.equal(mails[0]!.subject, `[wanwatch] Router ${id} (Berlin): eth1 DOWN`);
      assert.match(mails[1]!.subject!, /eth1 UP after/);
      await nothingLeft(id);
    });
  }

  it('failure before the first write: the later event joins the group, one email with both', async () => {
    const id = 'fp-start';
    plan.set(id, { point: 'start', posted: false, failures: 0 });
    await steadyDevice(h, id);
    await waitFor('steady state applied', () => applied(h, id, 3), 20_000);
    await h.post(job(id, [tr(10, 'eth1', 'online', 'offline', now())]));
    const mails = await expectMails(h, id, 1, 1500, 30_000);
    assert.ok(plan.get(id)!.failures >= 1, 'the injected failure happened');
    assert.equal(mails.length, 1, mails.map((m) => m.subject).join(' | '));
    assert.match(
      mails[0]!.subject!,
      new RegExp(`^\\[wanwatch\\] Router ${id} \\(Berlin\\): eth1 DOWN, eth1 UP after `),
    );
    await nothingLeft(id);
  });

  it('flush job lost after "sealed": the watchdog delivers the outbox, once', async () => {
    const id = 'fp-lost';
    plan.set(id, { point: 'sealed', posted: false, failures: 0, lost: false });
    const timers = new Queue(QUEUES.alertTimers, { connection: bullConnection(h.redisUrl), prefix: h.keys.bull });
    after(() => timers.close());
    await steadyDevice(h, id);
    await waitFor('steady state applied', () => applied(h, id, 3), 20_000);
    const stuckBefore = await counter(h, 'wanwatch_alerting_stuck_groups_flushed_total');
    await h.post(job(id, [tr(10, 'eth1', 'online', 'offline', now())]));
    const groupId = await waitFor('group sealed in the outbox', async () => (await alertState(h, id))?.outbox?.groupId);
    // The flush job waits for "Redis" between retries; it is lost meanwhile (removed, as a Redis
    // that lost its data would), so only the watchdog can finish the flush.
    await waitFor('flush job removed', async () => (await timers.remove(jobIdOf('flush', id, groupId))) === 1);
    plan.get(id)!.lost = true;
    const mails = await expectMails(h, id, 1, 1500, 20_000);
    assert.deepEqual(
      mails.map((m) => m.subject),
      [`[wanwatch] Router ${id} (Berlin): eth1 DOWN`],
    );
    assert.ok((await counter(h, 'wanwatch_alerting_stuck_groups_flushed_total')) > stuckBefore);
    await nothingLeft(id);
  });

  async function nothingLeft(id: string) {
    await waitFor('nothing left to flush', async () => {
      const s = await alertState(h, id);
      return s?.outbox === null && s.group === null;
    });
  }
});
