import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { QUEUES, ROUNDS_BATCH_JOB, redisKeys, type DeviceEventsJob } from '../../store/index.ts';
import { testServices } from '../../stack/testing.ts';
import { bullConnection } from '../../backend/clients.ts';
import { createBullEventQueue, type EventQueue } from '../event-queue.ts';
import { eventsJob } from '../../test-support/records.ts';

describe('alerting job producer (BullMQ, jobs of one tick added together)', () => {
  let events: EventQueue;
  let reader: Queue;
  before(async () => {
    const s = await testServices();
    const prefix = redisKeys(s.redisPrefix('eventqueue')).bull;
    events = createBullEventQueue({ connection: bullConnection(s.redisUrl, { failFast: true }), prefix });
    reader = new Queue(QUEUES.deviceEvents, { connection: bullConnection(s.redisUrl), prefix });
  });
  after(async () => {
    await reader.obliterate({ force: true });
    await reader.close();
    await events.close();
  });

  it('adds each job of a tick once under its own id; the same id again is a no-op', async () => {
    await Promise.all([
      events.add('ev_a_1', eventsJob('a')),
      events.add('ev_b_1', eventsJob('b')),
      events.add('ev_a_1', eventsJob('a')),
    ]);
    await events.add('ev_b_1', eventsJob('b'));
    assert.equal(await reader.count(), 2);
    assert.equal((await reader.getJob('ev_b_1'))?.data.deviceId, 'b');
  });

  it('a job BullMQ refuses fails only its own add; the others of the tick are queued', async () => {
    // BullMQ refuses a custom id with a ":" unless it has exactly three parts.
    const results = await Promise.allSettled([
      events.add('ev_c_1', eventsJob('c')),
      events.add('bad:id', eventsJob('x')),
      events.add('ev_d_1', eventsJob('d')),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.ok(await reader.getJob('ev_c_1'));
    assert.ok(await reader.getJob('ev_d_1'));
  });

  it("the rounds of one tick's samples-only reports are one batch job, in order, at most 100 reports each", async () => {
    await reader.obliterate({ force: true });
    const ids = Array.from({ length: 150 }, (_, i) => `r${i}`);
    await Promise.all(ids.map((id) => events.addRounds(eventsJob(id))));
    await events.addRounds(eventsJob('later'));
    const batches = (await reader.getJobs(['waiting'])).sort((a, b) => Number(a.id) - Number(b.id));
    assert.deepEqual(
      batches.map((b) => [b.name, b.data.reports.length]),
      [
        [ROUNDS_BATCH_JOB, 100],
        [ROUNDS_BATCH_JOB, 50],
        [ROUNDS_BATCH_JOB, 1],
      ],
    );
    const queued = batches.flatMap((b) => (b.data.reports as DeviceEventsJob[]).map((r) => r.deviceId));
    assert.deepEqual(queued, [...ids, 'later']);
  });
});
