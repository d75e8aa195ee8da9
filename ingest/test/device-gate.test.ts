import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDeviceGate } from '../device-gate.ts';

const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('device gate (one report of a device at a time)', () => {
  it('lets one report through, queues the next four, answers the sixth 429 device_busy', async () => {
    const gate = createDeviceGate({ refusedHoldMs: 0 });
    const first = await gate.enter('d');
    const waiting = [1, 2, 3, 4].map(() => gate.enter('d'));
    for (const w of waiting) assert.equal(await settled(w), false);
    await assert.rejects(gate.enter('d'), (e: { code?: string; status?: number }) => {
      assert.equal(e.code, 'device_busy');
      assert.equal(e.status, 429);
      return true;
    });
    // Another device is not held up.
    const other = await gate.enter('e');
    other(200);
    first(200);
    assert.equal(await settled(waiting[0]!), true);
    assert.equal(await settled(waiting[1]!), false, 'still one at a time');
    (await waiting[0]!)(200);
    (await waiting[1]!)(200);
    (await waiting[2]!)(200);
    (await waiting[3]!)(200);
    const again = await gate.enter('d');
    again();
  });

  it('a refused report (4xx) holds the turn a while; 2xx, 429 and 5xx hand it on at once', async () => {
    const gate = createDeviceGate({ refusedHoldMs: 40 });
    for (const status of [200, 429, 503]) {
      const r = await gate.enter('d');
      const next = gate.enter('d');
      r(status);
      assert.equal(await settled(next), true, `after ${status}`);
      (await next)(200);
    }
    const r = await gate.enter('d');
    const next = gate.enter('d');
    const t0 = performance.now();
    r(422);
    assert.equal(await settled(next), false);
    (await next)(200);
    assert.ok(performance.now() - t0 >= 35, 'held about refusedHoldMs');
  });
});
