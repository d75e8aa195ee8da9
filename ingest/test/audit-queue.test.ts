/**
 * The audit log through an InfluxDB outage: a row queued while InfluxDB refuses is retried, not
 * dropped, and lands once InfluxDB is back; the write it audits never waited for it.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { InfluxDB } from 'influx';
import { bullConnection, workerRedis } from '../../backend/clients.ts';
import { createLogger } from '../../backend/logger.ts';
import { QUEUES, redisKeys } from '../../store/index.ts';
import { ensureInfluxSchema } from '../../store/influx-ensure.ts';
import { testServices } from '../../stack/testing.ts';
import { createAuditQueue, readAudit, startAuditWorker } from '../audit-queue.ts';
import type { AuditRow } from '../audit.ts';

describe('audit queue', () => {
  const closers: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  });

  it('keeps a row through an InfluxDB outage and writes it once InfluxDB answers', async () => {
    const svc = await testServices();
    const { url } = svc.influxDb('audit');
    const u = new URL(url);
    const influx = new InfluxDB({ host: u.hostname, port: Number(u.port), database: u.pathname.slice(1) });
    await ensureInfluxSchema(influx);
    // An InfluxDB that is down: a loopback port nothing listens on.
    const down = new InfluxDB({ host: '127.0.0.1', port: 9, database: u.pathname.slice(1) });
    const keys = redisKeys(svc.redisPrefix('audit'));
    const logger = createLogger('silent');
    const audit = createAuditQueue({
      connection: bullConnection(svc.redisUrl, { failFast: true }),
      prefix: keys.bull,
      logger,
    });
    closers.push(() => audit.close());
    const atMs = Date.now();
    const row: AuditRow = {
      atMs,
      tokenId: 'abcdef012345',
      tokenName: 'outage',
      role: 'operator',
      method: 'POST',
      route: '/api/v1/silences',
      target: '',
      status: 201,
    };
    const t0 = Date.now();
    audit.record(row);
    assert.ok(Date.now() - t0 < 50, 'recording does not wait for InfluxDB');

    const broken = startAuditWorker({ connection: workerRedis(svc.redisUrl), prefix: keys.bull, influx: down, logger });
    const queue = new Queue(QUEUES.audit, { prefix: keys.bull, connection: bullConnection(svc.redisUrl) });
    closers.push(() => queue.close());
    const deadline = Date.now() + 20_000;
    let failedOnce = false;
    while (!failedOnce && Date.now() < deadline) {
      const jobs = await queue.getJobs(['delayed', 'wait', 'active']);
      failedOnce = jobs.some((j) => j.attemptsMade >= 1);
      if (!failedOnce) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(failedOnce, 'the write to the unreachable InfluxDB failed and the job waits for a retry');
    await broken.close();
    assert.deepEqual(await readAudit(influx, { fromMs: atMs - 1, toMs: atMs + 1, limit: 10 }), []);

    const good = startAuditWorker({ connection: workerRedis(svc.redisUrl), prefix: keys.bull, influx, logger });
    closers.push(() => good.close());
    let rows: AuditRow[] = [];
    while (rows.length === 0 && Date.now() < deadline + 20_000) {
      rows = await readAudit(influx, { fromMs: atMs - 1, toMs: atMs + 1, limit: 10 });
      if (rows.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(rows, [row]);
  });
});
