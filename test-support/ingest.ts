/**
 * Test helper for every part that needs a real ingest: a fresh InfluxDB database (schema made) and
 * Redis prefix on the test stack, the app, and a way to register devices. Test code only.
 */
import type { Router } from 'express';
import { InfluxDB } from 'influx';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { parseInfluxUrl, redisKeys } from '../store/index.ts';
import type { RedisKeys } from '../store/index.ts';
import { testServices } from '../stack/testing.ts';
import { apiRedis, bullConnection, closeBullConnection } from '../backend/clients.ts';
import { createApp } from '../ingest/app.ts';
import { ensureInfluxSchema } from '../store/influx-ensure.ts';
import { createBullEventQueue, type EventQueue } from '../ingest/event-queue.ts';
import { createDeviceStore } from '../ingest/device-store.ts';
import { createPointWriter, influxLineSink, type PointWriter } from '../ingest/hot-path/point-writer.ts';
import type express from 'express';

export interface TestIngest {
  app: express.Express;
  influx: InfluxDB;
  influxUrl: string;
  db: string;
  redis: Redis;
  redisUrl: string;
  /** Redis key prefix; BullMQ prefix is `keys.bull`. */
  prefix: string;
  keys: RedisKeys;
  queue: EventQueue;
  points: PointWriter;
  adminToken: string;
  /** Registers a device straight in Redis and returns its token. */
  addDevice(id: string, opts?: { name?: string; notificationEmails?: string[] }): Promise<string>;
  close(): Promise<void>;
}

export async function startTestIngest(
  opts: {
    label?: string;
    routers?: Router[];
    pages?: Router[];
    onDeviceChanged?: (id: string) => void;
    nowMs?: () => number;
    influxUrl?: string;
    /** Another Redis than the test stack's (e.g. one the test stops). */
    redisUrl?: string;
    limits?: { maxReportBytes?: number };
  } = {},
): Promise<TestIngest> {
  const svc = await testServices();
  const { db, url } = opts.influxUrl
    ? { db: parseInfluxUrl(opts.influxUrl).database, url: opts.influxUrl }
    : svc.influxDb(opts.label ?? 'ingest');
  const o = parseInfluxUrl(url);
  const influx = new InfluxDB({
    host: o.host,
    port: o.port,
    protocol: o.protocol,
    database: o.database,
    pool: { maxRetries: 0, requestTimeout: 10_000 },
  });
  await ensureInfluxSchema(influx);
  const prefix = svc.redisPrefix(opts.label ?? 'ingest');
  const keys = redisKeys(prefix);
  const redisUrl = opts.redisUrl ?? svc.redisUrl;
  // As in production (a single Redis or a cluster): no offline queue, so a Redis outage answers 503 at once.
  const redis = apiRedis(redisUrl, { enableAutoPipelining: true });
  redis.on('error', () => {});
  await redis.connect();
  const queueConnection = bullConnection(redisUrl, { failFast: true });
  const queue = createBullEventQueue({ connection: queueConnection, prefix: keys.bull });
  const points = createPointWriter(influxLineSink(influx));
  const adminToken = `admin-${prefix}`;
  const app = createApp({
    influx,
    redis,
    keys,
    queue,
    points,
    adminToken,
    logger: pino({ level: process.env.WANWATCH_TEST_LOG ?? 'silent' }),
    routers: opts.routers,
    pages: opts.pages,
    onDeviceChanged: opts.onDeviceChanged,
    nowMs: opts.nowMs,
    limits: opts.limits,
  });
  const store = createDeviceStore(redis, keys);
  return {
    app,
    influx,
    influxUrl: url,
    db,
    redis,
    redisUrl,
    prefix,
    keys,
    queue,
    points,
    adminToken,
    async addDevice(id, o2 = {}) {
      const { token } = await store.add({ id, name: o2.name, notificationEmails: o2.notificationEmails }, Date.now());
      return token;
    },
    async close() {
      await points.drain();
      await queue.close();
      closeBullConnection(queueConnection);
      redis.disconnect();
    },
  };
}
