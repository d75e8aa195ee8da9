import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startRedis, type RedisInstance } from '../../stack/redis.ts';
import { startTestIngest, type TestIngest } from '../../test-support/ingest.ts';
import { report, sample, sampleReport } from '../../test-support/records.ts';

describe('Redis outage: reports get 503 redis_unavailable quickly, no ack', () => {
  let dir: string;
  let redis: RedisInstance | undefined;
  let t: TestIngest;
  let token: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ww-redis-outage-'));
    redis = await startRedis(join(dir, 'redis'), process.pid, false);
    t = await startTestIngest({ label: 'redisout', redisUrl: redis.url });
    token = await t.addDevice('dev-r');
    // Warm the auth cache so the test reaches the queue and live-state steps.
    await request(t.app)
      .post('/api/v1/reports')
      .set('Authorization', `Bearer ${token}`)
      .send(sampleReport('dev-r'))
      .expect(200);
  });
  after(async () => {
    await t?.close().catch(() => undefined);
    await redis?.service.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 within a few seconds and reports readyz not ready', async () => {
    await redis!.service.stop();
    const started = Date.now();
    const res = await request(t.app)
      .post('/api/v1/reports')
      .set('Authorization', `Bearer ${token}`)
      .send(sampleReport('dev-r', { bootId: 'boot-down1', baseMs: Date.now() - 30_000 }));
    assert.equal(res.status, 503, res.text);
    assert.equal(res.body.code, 'redis_unavailable');
    assert.equal(res.body.ackSeq, undefined);
    assert.ok(Date.now() - started < 5_000, 'fails fast');
    // A samples-only report (its rounds go to the tick's batch, not a job of its own) is refused alike.
    const at = Date.now() - 20_000;
    const samplesOnly = await request(t.app)
      .post('/api/v1/reports')
      .set('Authorization', `Bearer ${token}`)
      .send(
        report('dev-r', [sample({ seq: 1, timeMs: at }), sample({ seq: 2, timeMs: at + 5_000 })], {
          bootId: 'boot-down2',
        }),
      );
    assert.equal(samplesOnly.status, 503, samplesOnly.text);
    assert.equal(samplesOnly.body.code, 'redis_unavailable');
    const ready = await request(t.app).get('/readyz').expect(503);
    assert.equal(ready.body.redis, false);
    assert.equal(ready.body.influx, true);
  });
});
