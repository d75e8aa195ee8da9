/**
 * The web console served by a real ingest app (test-support/ingest.ts) on loopback, as the console
 * tests and bench/console.ts drive it: its pages, its live board over Redis pub/sub, its calls back
 * to the API over HTTP. Test support only.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from 'express';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createConsole, loopbackApi, type WebConsole } from '../console/index.ts';
import { startTestIngest, type TestIngest } from './ingest.ts';

export interface TestConsole {
  /** The ingest app behind it: its Redis, InfluxDB, keys, admin token, devices. */
  t: TestIngest;
  web: WebConsole;
  server: Server;
  /** `http://127.0.0.1:<port>`. */
  base: string;
  /** Stops the console (and its pub/sub connection), the HTTP server, then the ingest. For `after`. */
  close(): Promise<void>;
}

/**
 * Starts ingest with the console's pages, listening on a free loopback port. `api` gives the API
 * routers the console's pages call (alerting, reports), made once the ingest's clients exist.
 * Stop it with `close()` in the test's `after`.
 */
export async function startTestConsole(o: {
  /** Names the test's InfluxDB database and Redis prefix. */
  label: string;
  api?: (t: TestIngest) => Router;
}): Promise<TestConsole> {
  // The app is built before the console exists (the console needs the app's clients): its routers
  // are slots filled once they are made.
  const slot: { api?: Router; pages?: Router } = {};
  const apiSlot = Router();
  apiSlot.use((req, res, next) => (slot.api ? slot.api(req, res, next) : next()));
  const pagesSlot = Router();
  pagesSlot.use((req, res, next) => (slot.pages ? slot.pages(req, res, next) : next()));
  const t = await startTestIngest({ label: o.label, routers: o.api ? [apiSlot] : [], pages: [pagesSlot] });
  let server: Server | undefined;
  try {
    if (o.api) slot.api = o.api(t);
    const listening = t.app.listen(0, '127.0.0.1');
    server = listening;
    await new Promise((r) => listening.once('listening', r));
    const base = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
    const subscriber = new Redis(t.redisUrl);
    subscriber.on('error', () => {});
    const web = createConsole({
      redis: t.redis,
      subscriber,
      keys: t.keys,
      adminToken: t.adminToken,
      api: loopbackApi(() => base, t.adminToken),
      logger: pino({ level: 'silent' }),
      influx: t.influx,
    });
    slot.pages = web.router;
    return {
      t,
      web,
      server: listening,
      base,
      async close() {
        try {
          await web.close();
        } finally {
          await new Promise((r) => listening.close(r));
          await t.close();
        }
      },
    };
  } catch (err) {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await t.close();
    throw err;
  }
}
