/**
 * The receiving heartbeat against real Redis and InfluxDB: beats only while InfluxDB answers and
 * the process is not shutting down; the beat script records a pause longer than the gap threshold
 * as a gap, and nothing for a first beat or a short pause.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { InfluxDB } from 'influx';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { BEAT_SCRIPT, blindnessKeys, parseGap } from '../../store/blindness.ts';
import { parseInfluxUrl } from '../../store/index.ts';
import { testServices } from '../../stack/testing.ts';
import { startReceivingHeartbeat } from '../receiving-heartbeat.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const logger = pino({ level: 'silent' });

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('receiving heartbeat', () => {
  let redis: Redis;
  let influx: InfluxDB;
  let prefix: string;
  before(async () => {
    const svc = await testServices();
    redis = new Redis(svc.redisUrl);
    const o = parseInfluxUrl(svc.influxDb('beat').url);
    influx = new InfluxDB({ host: o.host, port: o.port, protocol: o.protocol, database: o.database });
    prefix = svc.redisPrefix('beat');
  });
  after(() => redis.disconnect());

  it('beat script table: first beat, short pause, long pause, clock behind', async () => {
    const k = blindnessKeys(`${prefix}-script`);
    const beat = (nowMs: number) =>
      redis.eval(BEAT_SCRIPT, 2, k.receivingBeat, k.gaps, String(nowMs), '5000', 'api', '8');
    assert.equal(await beat(1_000_000), 0, 'first beat ever: nothing to be blind about');
    assert.equal(await beat(1_004_000), 0, 'short pause');
    assert.equal(await beat(1_020_000), 1, 'pause of 16 s');
    assert.equal(await beat(1_019_000), 0, 'another process with a clock 1 s behind');
    assert.equal(await redis.get(k.receivingBeat), '1020000');
    const gaps = (await redis.lrange(k.gaps, 0, -1)).map(parseGap);
    assert.deepEqual(gaps, [{ source: 'api', startMs: 1_004_000, endMs: 1_020_000 }]);
  });

  it('beats while InfluxDB answers, not when it does not, and stops on stop()', async () => {
    const up = blindnessKeys(`${prefix}-up`);
    const hb = startReceivingHeartbeat({
      redis,
      influx,
      redisPrefix: `${prefix}-up`,
      logger,
      canReceive: () => true,
      beatMs: 100,
    });
    const deadline = Date.now() + 10_000;
    while ((await redis.get(up.receivingBeat)) === null && Date.now() < deadline) await sleep(50);
    assert.notEqual(await redis.get(up.receivingBeat), null);
    await hb.stop();
    const last = await redis.get(up.receivingBeat);
    await sleep(400);
    assert.equal(await redis.get(up.receivingBeat), last, 'no beat after stop()');

    const deadInflux = new InfluxDB({ host: '127.0.0.1', port: await closedPort(), database: 'x' });
    const down = blindnessKeys(`${prefix}-down`);
    const hb2 = startReceivingHeartbeat({
      redis,
      influx: deadInflux,
      redisPrefix: `${prefix}-down`,
      logger,
      canReceive: () => true,
      beatMs: 100,
    });
    const hb3 = startReceivingHeartbeat({
      redis,
      influx,
      redisPrefix: `${prefix}-closing`,
      logger,
      canReceive: () => false,
      beatMs: 100,
    });
    await sleep(800);
    await Promise.all([hb2.stop(), hb3.stop()]);
    assert.equal(await redis.get(down.receivingBeat), null, 'InfluxDB away: not receiving');
    assert.equal(
      await redis.get(blindnessKeys(`${prefix}-closing`).receivingBeat),
      null,
      'shutting down: not receiving',
    );
  });

  it('a process that failed to beat records even a short pause as a gap when it resumes', async () => {
    const deadInflux = new InfluxDB({ host: '127.0.0.1', port: await closedPort(), database: 'x' });
    let away = false;
    // Both clients are real; the process's InfluxDB is switched from the answering one to a closed port.
    const switching = { ping: (ms: number) => (away ? deadInflux : influx).ping(ms) } as unknown as InfluxDB;
    const k = blindnessKeys(`${prefix}-short`);
    const hb = startReceivingHeartbeat({
      redis,
      influx: switching,
      redisPrefix: `${prefix}-short`,
      logger,
      canReceive: () => true,
      beatMs: 100,
    });
    const deadline = Date.now() + 10_000;
    while ((await redis.get(k.receivingBeat)) === null && Date.now() < deadline) await sleep(50);
    away = true;
    await sleep(600); // far below the 5 s threshold of a healthy process
    away = false;
    const until = Date.now() + 10_000;
    while ((await redis.llen(k.gaps)) === 0 && Date.now() < until) await sleep(50);
    await hb.stop();
    const gaps = (await redis.lrange(k.gaps, 0, -1)).map(parseGap).filter((g) => g !== null);
    assert.equal(gaps.length, 1, 'the short blind pause is recorded once');
    const g = gaps[0]!;
    assert.ok(g.endMs - g.startMs >= 500, `gap covers the pause (${g.endMs - g.startMs} ms)`);
  });
});
