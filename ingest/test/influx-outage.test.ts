import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Queue } from 'bullmq';
import { QUEUES } from '../../store/index.ts';
import { startInfluxd, type InfluxdInstance } from '../../stack/influxd.ts';
import { startTestIngest, type TestIngest } from '../../test-support/ingest.ts';
import { sampleReport } from '../../test-support/records.ts';

/**
 * A real influxd of its own, stopped and restarted. A plain loopback TCP forwarder gives it a
 * stable address across restarts (startInfluxd picks new ports each time), like a service address.
 */
describe('InfluxDB outage: 503 and no ack; retried batches land in full after restart', () => {
  let dir: string;
  let influxd: InfluxdInstance | undefined;
  let forwarder: Server;
  const sockets = new Set<Socket>();
  let t: TestIngest;
  let token: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ww-outage-'));
    influxd = await startInfluxd(join(dir, 'influxdb'), process.pid);
    forwarder = createServer((client) => {
      sockets.add(client);
      const upstream = connect(influxd?.httpPort ?? 1, '127.0.0.1');
      sockets.add(upstream);
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((r) => forwarder.listen(0, '127.0.0.1', r));
    const port = (forwarder.address() as { port: number }).port;
    t = await startTestIngest({ label: 'outage', influxUrl: `http://127.0.0.1:${port}/outage` });
    token = await t.addDevice('dev-o');
  });
  after(async () => {
    await t?.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => forwarder.close(() => r()));
    await influxd?.service.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (bootId: string, baseMs: number) =>
    request(t.app)
      .post('/api/v1/reports')
      .set('Authorization', `Bearer ${token}`)
      .send(sampleReport('dev-o', { bootId, baseMs }));

  it('answers 503 influx_unavailable while influxd is stopped, queues nothing, then takes the retries', async () => {
    const base = Date.now() - 120_000;
    assert.equal((await post('boot-aaaa', base)).status, 200);
    await influxd!.service.stop();
    const down1 = await post('boot-bbbb', base + 10_000);
    const down2 = await post('boot-cccc', base + 20_000);
    for (const r of [down1, down2]) {
      assert.equal(r.status, 503, r.text);
      assert.equal(r.body.code, 'influx_unavailable');
      assert.equal(r.body.ackSeq, undefined);
    }
    const live = await t.redis.hgetall(t.keys.live('dev-o'));
    assert.equal(JSON.parse(live.bootId!), 'boot-aaaa', 'live state not moved by unacknowledged reports');
    const bull = new Queue(QUEUES.deviceEvents, { prefix: t.keys.bull, connection: { url: t.redisUrl } as never });
    try {
      const jobs = await bull.getJobs(['waiting', 'delayed', 'active', 'completed']);
      assert.deepEqual(
        jobs.map((j) => j.data.bootId),
        ['boot-aaaa'],
      );
      const ready = await request(t.app).get('/readyz').expect(503);
      assert.equal(ready.body.influx, false);

      influxd = await startInfluxd(join(dir, 'influxdb'), process.pid);
      // The reporter retries with backoff; bounded here to 20 tries over ~10 s.
      for (const [bootId, at] of [
        ['boot-bbbb', base + 10_000],
        ['boot-cccc', base + 20_000],
      ] as const) {
        let status = 0;
        for (let i = 0; i < 20 && status !== 200; i++) {
          status = (await post(bootId, at)).status;
          if (status !== 200) await new Promise((r) => setTimeout(r, 500));
        }
        assert.equal(status, 200, `${bootId} accepted after restart`);
      }
      const counts = await t.influx.query<{ count: number }>(
        `SELECT count("score") FROM "raw"."wan_iface" WHERE "device" = 'dev-o'`,
      );
      assert.equal(counts[0]?.count, 6, 'all samples of the three reports');
      const tr = await t.influx.query<{ boot_id: string }>(
        `SELECT * FROM "forever"."wan_transition" WHERE "device" = 'dev-o'`,
      );
      assert.deepEqual(tr.map((r) => r.boot_id).sort(), ['boot-aaaa', 'boot-bbbb', 'boot-cccc']);
      const jobs2 = await bull.getJobs(['waiting', 'delayed', 'active', 'completed']);
      assert.deepEqual(jobs2.map((j) => j.data.bootId).sort(), ['boot-aaaa', 'boot-bbbb', 'boot-cccc']);
    } finally {
      await bull.close();
    }
  });
});
