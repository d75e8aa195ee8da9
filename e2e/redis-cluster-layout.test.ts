/**
 * Upgrading a single Redis written by a wanwatch before hash-tagged keys: `serve` renames every
 * key once (store/redis-layout.ts), with several processes starting at once and after a crash in
 * the middle, and nothing is lost — device records, tokens, live state, name budgets, alert state,
 * silences and BullMQ jobs waiting under the old prefix are all found under the new names.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import request from 'supertest';
import { apiRedis, bullConnection } from '../backend/clients.ts';
import { QUEUES, redisKeys, taggedKeyName, upgradeKeyLayout } from '../store/index.ts';
import { startTestIngest, type TestIngest } from '../test-support/ingest.ts';
import { sample, sampleReport } from '../test-support/records.ts';

/** The name a key had before hash tags (the inverse of `taggedKeyName`), to build an old installation. */
function oldName(p: string, key: string): string {
  const rest = key.slice(p.length + 1);
  let m = /^\{d:(.+)\}:(device|live|seen)$/.exec(rest);
  if (m) return m[2] === 'device' ? `${p}:device:${m[1]}` : `${p}:device:${m[1]}:${m[2]}`;
  m = /^\{d:(.+)\}:alert:(state|lock|inbox|inbox-jobs|acks|no-recipients-logged)$/.exec(rest);
  if (m) return `${p}:alert:${m[2] === 'state' ? 'dev' : m[2]}:${m[1]}`;
  m = /^\{names\}:device:(.+):(iface|target|policy)$/.exec(rest);
  if (m) return `${p}:device:${m[1]}:names:${m[2]}`;
  m = /^\{(names|blind|bull)\}:(.+)$/.exec(rest);
  if (m) return m[1] === 'names' ? `${p}:${m[2]}` : `${p}:${m[1]}:${m[2]}`;
  return key;
}

describe('Redis key layout: the hash-tagged names', () => {
  it('maps each key of the layout before, and leaves the others', () => {
    const dev = (id: string) => id === 'a' || id === 'a:live';
    const table: Array<[string, string | undefined]> = [
      ['ww:device:a', 'ww:{d:a}:device'],
      ['ww:device:a:live', 'ww:{d:a:live}:device'], // `a:live` is itself a device
      ['ww:device:b:live', 'ww:{d:b}:live'],
      ['ww:device:b:seen', 'ww:{d:b}:seen'],
      ['ww:device:b:names:iface', 'ww:{names}:device:b:iface'],
      ['ww:tag-values:target', 'ww:{names}:tag-values:target'],
      ['ww:alert:dev:b', 'ww:{d:b}:alert:state'],
      ['ww:alert:inbox-jobs:b:1', 'ww:{d:b:1}:alert:inbox-jobs'],
      ['ww:alert:acks:b', 'ww:{d:b}:alert:acks'],
      ['ww:blind:gaps', 'ww:{blind}:gaps'],
      ['ww:bull:ww-notify:wait', 'ww:{bull}:ww-notify:wait'],
      ['ww:devices', undefined],
      ['ww:last-seen', undefined],
      ['ww:silences', undefined],
      ['ww:token-key', undefined],
      ['ww:alert:open', undefined],
      ['ww:alert:sent:job-1', undefined],
      ['ww:{d:b}:live', undefined],
      ['other:device:a', undefined],
    ];
    for (const [old, want] of table) assert.equal(taggedKeyName('ww', old, dev), want, old);
    for (const [old, want] of table) if (want && !old.includes(':a:live')) assert.equal(oldName('ww', want), old);
  });
});

describe('Redis key layout: upgrading a single Redis', () => {
  let t: TestIngest;
  const ids = ['site-1:r1', 'site-2'];
  const tokens = new Map<string, string>();
  before(async () => {
    t = await startTestIngest({ label: 'layout' });
    for (const id of ids) tokens.set(id, await t.addDevice(id, { notificationEmails: [`${id}@test.local`] }));
  });
  after(async () => {
    await t?.close();
  });

  const post = (id: string, body: object) =>
    request(t.app)
      .post('/api/v1/reports')
      .set('Authorization', `Bearer ${tokens.get(id)}`)
      .send(body);

  async function snapshot(): Promise<Map<string, string>> {
    const keys = await t.redis.keys(`${t.prefix}:*`);
    const out = new Map<string, string>();
    for (const k of keys) out.set(k, (await t.redis.dumpBuffer(k))!.toString('base64'));
    return out;
  }

  it('renames every key once (three processes at once, after a crash), keeping every value and job', async () => {
    // An installation with devices, reports (live state, seen set, name budgets, queued alerting
    // jobs), alert state, silences and blindness records.
    for (const id of ids) await post(id, sampleReport(id)).expect(200);
    const k = redisKeys(t.prefix);
    await t.redis.set(`${t.prefix}:{d:${ids[0]}}:alert:state`, '{"v":1,"kept":true}');
    await t.redis.rpush(`${t.prefix}:{d:${ids[0]}}:alert:inbox`, 'record');
    await t.redis.hset(k.silences, 's1', '{"v":1}');
    await t.redis.set(`${t.prefix}:{blind}:receiving-beat`, '1');
    const events = new Queue(QUEUES.deviceEvents, { connection: bullConnection(t.redisUrl), prefix: k.bull });
    const jobIds = (await events.getJobs(['waiting', 'prioritized', 'delayed'])).map((j) => j.id).sort();
    assert.ok(jobIds.length >= 2, `queued jobs: ${jobIds.length}`);
    const before = await snapshot();
    const tagged = [...before.keys()].filter((key) => oldName(t.prefix, key) !== key);
    assert.ok(tagged.length >= 15, `old-layout keys: ${tagged.length}`);

    // The same data under the names an older wanwatch used: the new code no longer sees the devices.
    for (const key of tagged) await t.redis.rename(key, oldName(t.prefix, key));
    const listed = await request(t.app).get('/api/v1/devices').set('Authorization', `Bearer ${t.adminToken}`);
    assert.equal(listed.body.devices?.length ?? 0, 0);

    // A crash in the middle: half renamed, the lock still held by the dead process for 400 ms.
    for (const key of tagged.slice(0, tagged.length / 2)) await t.redis.rename(oldName(t.prefix, key), key);
    await t.redis.set(k.layoutLock, 'dead-process', 'PX', 400);

    // Three API processes start at once.
    const clients = [0, 1, 2].map(() => apiRedis(t.redisUrl));
    await Promise.all(clients.map((c) => c.connect()));
    const renamed = await Promise.all(clients.map((c) => upgradeKeyLayout(c, t.prefix, { waitMs: 10_000 })));
    clients.forEach((c) => c.disconnect());
    assert.equal(renamed.filter((n) => n > 0).length, 1, `one process upgrades: ${renamed.join(',')}`);
    assert.equal(
      renamed.reduce((a, b) => a + b, 0),
      tagged.length - Math.floor(tagged.length / 2),
    );
    assert.equal(await t.redis.get(k.layout), '2');

    // Every key and value as before, byte for byte (the marker is the only new key).
    const after = await snapshot();
    after.delete(k.layout);
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
    for (const [key, dump] of before) assert.equal(after.get(key), dump, key);

    // The product reads it all: devices listed, tokens accepted, the queued jobs still waiting.
    const again = await request(t.app).get('/api/v1/devices').set('Authorization', `Bearer ${t.adminToken}`);
    assert.deepEqual(again.body.devices.map((d: { id: string }) => d.id).sort(), [...ids].sort());
    await post(ids[1]!, {
      v: 1,
      deviceId: ids[1],
      bootId: 'boot-0001',
      sentAtMs: Date.now(),
      reportIntervalMs: 5000,
      records: [sample({ seq: 10, timeMs: Date.now() - 500 })],
    }).expect(200);
    const queued = new Set((await events.getJobs(['waiting', 'prioritized', 'delayed'])).map((j) => j.id));
    for (const id of jobIds) assert.ok(queued.has(id), `job ${id} still queued`);
    await events.close();

    // A second start finds the marker and renames nothing.
    assert.equal(await upgradeKeyLayout(t.redis, t.prefix), 0);
  });
});
