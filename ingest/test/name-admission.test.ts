import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { redisKeys } from '../../store/index.ts';
import { testServices } from '../../stack/testing.ts';
import { createNameAdmission } from '../name-admission.ts';
import type { ReportNames } from '../core/name-budget.ts';
import { createDeviceStore } from '../device-store.ts';

const names = (iface: string[], target: string[] = [], policy: string[] = []): ReportNames => ({
  iface: new Set(iface),
  target: new Set(target),
  policy: new Set(policy),
});
const budgets = { iface: 4, target: 2, policy: 2 };
const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code ?? String(e),
  );

describe('name admission in Redis', () => {
  let redis: Redis;
  let keys: ReturnType<typeof redisKeys>;
  before(async () => {
    const s = await testServices();
    redis = new Redis(s.redisUrl);
    keys = redisKeys(s.redisPrefix('admit'));
  });
  after(async () => {
    await redis.quit();
  });

  it('concurrent reports cannot both pass a budget that fits only one of them', async () => {
    // Two processes' views (no shared cache): only Redis decides.
    const a = createNameAdmission(redis, keys);
    const b = createNameAdmission(redis, keys);
    const r = await Promise.all([
      code(a.admit('d1', 1, names(['w1', 'w2', 'w3']), budgets)),
      code(b.admit('d1', 1, names(['x1', 'x2', 'x3']), budgets)),
    ]);
    assert.deepEqual([...r].sort(), ['name_budget_exceeded', 'ok']);
    assert.equal(await redis.scard(keys.deviceNames('d1', 'iface')), 3);
  });

  it('all or nothing: a refused kind adds no name of any kind', async () => {
    const a = createNameAdmission(redis, keys);
    assert.equal(await code(a.admit('d2', 1, names(['w'], ['t1', 't2', 't3']), budgets)), 'name_budget_exceeded');
    assert.equal(await redis.scard(keys.deviceNames('d2', 'iface')), 0);
    assert.equal(await code(a.admit('d2', 1, names(['w'], ['t1', 't2'], ['p']), budgets)), 'ok');
    assert.deepEqual(await a.fleetCounts().then((c) => c.target >= 2), true);
  });

  it('the fleet guard counts values, not devices: a name another device has is no new value', async () => {
    const small = createNameAdmission(
      redis,
      { ...keys, tagValues: (k) => `${keys.tagValues(k)}:small` },
      {
        fleetTagValuesMax: 3,
      },
    );
    assert.equal(await code(small.admit('f1', 1, names(['a', 'b', 'c']), budgets)), 'ok');
    assert.equal(await code(small.admit('f2', 1, names(['a', 'b']), budgets)), 'ok');
    assert.equal(await code(small.admit('f2', 1, names(['d']), budgets)), 'fleet_tag_limit');
  });

  it('deleting a device clears its names; registered again, it starts from zero', async () => {
    const store = createDeviceStore(redis, keys);
    const { record } = await store.add({ id: 'gone' }, 1000);
    const a = createNameAdmission(redis, keys);
    assert.equal(await code(a.admit('gone', record.createdAtMs, names(['w1', 'w2', 'w3', 'w4']), budgets)), 'ok');
    assert.equal(await code(a.admit('gone', record.createdAtMs, names(['w5']), budgets)), 'name_budget_exceeded');
    assert.equal(await store.remove('gone'), true);
    const again = await store.add({ id: 'gone' }, 2000);
    assert.deepEqual(await store.namesUsed('gone'), { iface: 0, target: 0, policy: 0 });
    assert.equal(await code(a.admit('gone', again.record.createdAtMs, names(['w5', 'w6']), budgets)), 'ok');
    assert.equal((await store.namesUsed('gone')).iface, 2);
  });
});
