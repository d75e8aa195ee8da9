/**
 * Prototype-named interfaces through the real alerting path (BullMQ jobs, state JSON in Redis,
 * flush, SMTP sink): a link called `constructor`, `__proto__`, `toString` or `hasOwnProperty`
 * gets its DOWN and UP emails, and later jobs of the device still run (issue #14 F5/F15).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectMails, startHarness, type Harness } from './harness.ts';
import { job, tr } from './fixtures.ts';

describe('prototype-named interfaces, real Redis/BullMQ/SMTP', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('alert_names');
  });
  after(async () => {
    await h?.close();
  });

  for (const [i, name] of ['constructor', '__proto__', 'toString', 'hasOwnProperty'].entries()) {
    it(`${name}: one DOWN, one UP with its duration`, async () => {
      const id = `names${i}`;
      await h.addDevice(id);
      const t = Date.now() - 5000;
      await h.post(
        job(id, [
          tr(1, name, 'unknown', 'online', t, { reason: 'start' }),
          tr(2, 'wan', 'unknown', 'online', t, { reason: 'start' }),
        ]),
      );
      await h.post(job(id, [tr(3, name, 'online', 'offline', t + 1000)]));
      const down = await expectMails(h, id, 1);
      assert.deepEqual(
        down.map((m) => m.subject),
        [`[wanwatch] Router ${id} (Berlin): ${name} DOWN`],
      );
      await h.post(job(id, [tr(4, name, 'offline', 'online', t + 4000)]));
      const both = await expectMails(h, id, 2);
      assert.deepEqual(
        both.map((m) => m.subject),
        [`[wanwatch] Router ${id} (Berlin): ${name} DOWN`, `[wanwatch] Router ${id} (Berlin): ${name} UP after 3s`],
      );
      const stored = await h.redis.get(`${h.prefix}:{d:${id}}:alert:state`);
      assert.match(stored!, new RegExp(`\\["${name}",\\{"state":"online"`), 'names stored as [name, value] pairs');
    });
  }
});
