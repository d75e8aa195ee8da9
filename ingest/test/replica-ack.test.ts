/**
 * On a Redis Cluster an alerting job add counts as done only once a replica holds it: a job only
 * its master held would be lost when that master fails and its replica is promoted, after the
 * report was already acknowledged. Real cluster (3 masters + 3 replicas), real BullMQ.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import type { Cluster } from 'ioredis';
import { bullConnection, closeBullConnection } from '../../backend/clients.ts';
import { ProblemError } from '../../contract/index.ts';
import { QUEUES } from '../../store/index.ts';
import { startRedisCluster, type RedisCluster } from '../../stack/redis-cluster.ts';
import { createBullEventQueue, type EventQueue } from '../event-queue.ts';
import { keySlot } from '../replica-ack.ts';
import { eventsJob } from '../../test-support/records.ts';

const PREFIX = 'ra:{bull}';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('alerting job add on a Redis Cluster waits for a replica', () => {
  let cluster: RedisCluster;
  let connection: Cluster;
  let events: EventQueue;
  let reader: Queue;
  let readerConn: ReturnType<typeof bullConnection>;

  before(async () => {
    cluster = await startRedisCluster();
    connection = bullConnection(cluster.url, { failFast: true }) as unknown as Cluster;
    events = createBullEventQueue({ connection, prefix: PREFIX, replicaAckTimeoutMs: 300 });
    readerConn = bullConnection(cluster.url);
    reader = new Queue(QUEUES.deviceEvents, { connection: readerConn, prefix: PREFIX });
    await events.add('ev_warmup_1', eventsJob('warmup'));
    // The client's slot map lists a replica once the cluster reports it in sync (a refresh or two).
    const deadline = Date.now() + 20_000;
    while ((connection.slots[keySlot(PREFIX)]?.length ?? 0) < 2 && Date.now() < deadline) await sleep(200);
    assert.ok(connection.slots[keySlot(PREFIX)]!.length >= 2, 'the slot map lists a replica');
  });
  after(async () => {
    await reader?.close();
    await events?.close();
    if (connection) closeBullConnection(connection as never);
    if (readerConn) closeBullConnection(readerConn);
    await cluster?.stop();
  });

  it('computes the slot of a key as the cluster does (hash tags included)', async () => {
    for (const key of [PREFIX, 'ww:{d:k-01}:live', 'plain-key', '{}x', 'a{}{b}', 'é{ü}'])
      assert.equal(
        keySlot(key),
        Number(
          await (connection as unknown as { cluster: (...a: string[]) => Promise<string> }).cluster('KEYSLOT', key),
        ),
        key,
      );
  });

  it('resolves once a replica holds the job; refuses (503 redis_unavailable) while no replica confirms it', async () => {
    await events.add('ev_a_1', eventsJob('a'));
    assert.ok(await reader.getJob('ev_a_1'));

    const replicaPort = Number(connection.slots[keySlot(PREFIX)]![1]!.split(':')[1]);
    const replica = cluster.nodes.find((n) => n.port === replicaPort)!;
    // A replica that does not confirm (stopped, as a lagging or cut-off one would be) within 300 ms.
    process.kill(replica.service.pid, 'SIGSTOP');
    try {
      await assert.rejects(
        events.add('ev_b_1', eventsJob('b')),
        (err: unknown) => err instanceof ProblemError && err.code === 'redis_unavailable',
      );
      // A samples-only report's rounds batch is held to the same rule.
      await assert.rejects(
        events.addRounds(eventsJob('c')),
        (err: unknown) => err instanceof ProblemError && err.code === 'redis_unavailable',
      );
    } finally {
      process.kill(replica.service.pid, 'SIGCONT');
    }
    // The reporter's retry: the same job id, once the replica confirms again, is acknowledged.
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await events.add('ev_b_1', eventsJob('b'));
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(200);
      }
    }
    assert.equal((await reader.getJob('ev_b_1'))?.data.deviceId, 'b');
  });
});
