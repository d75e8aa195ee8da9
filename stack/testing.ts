import { randomBytes } from 'node:crypto';
import { startStack, stopOnExit, type Stack } from './stack.ts';

/**
 * Services for integration tests. Under `npm test` the runner starts one private stack and passes
 * its URLs in WANWATCH_TEST_INFLUX_BASE / WANWATCH_TEST_REDIS_URL; a test file run on its own starts
 * a stack for itself. Each test isolates itself with a unique InfluxDB database and Redis key prefix,
 * so test files can run in parallel against one stack.
 */
export interface TestServices {
  /** `http://127.0.0.1:PORT` (no database). */
  influxBaseUrl: string;
  redisUrl: string;
  /** A fresh database name and the WANWATCH_INFLUX_URL form for it. */
  influxDb(label?: string): { db: string; url: string };
  /** A fresh Redis key prefix. */
  redisPrefix(label?: string): string;
}

let own: Promise<Stack> | undefined;

export async function testServices(): Promise<TestServices> {
  let influxBaseUrl = process.env.WANWATCH_TEST_INFLUX_BASE;
  let redisUrl = process.env.WANWATCH_TEST_REDIS_URL;
  if (!influxBaseUrl || !redisUrl) {
    own ??= startStack({ log: () => {} }).then((s) => {
      stopOnExit(s, () => process.exit(1));
      return s;
    });
    const s = await own;
    influxBaseUrl = s.influxBaseUrl;
    redisUrl = s.redisUrl;
  }
  const base = influxBaseUrl;
  return {
    influxBaseUrl: base,
    redisUrl,
    influxDb(label = 't') {
      const db = `${label.replace(/[^A-Za-z0-9_]/g, '_')}_${randomBytes(4).toString('hex')}`;
      return { db, url: `${base}/${db}` };
    },
    redisPrefix(label = 't') {
      return `${label.replace(/[^A-Za-z0-9_]/g, '_')}-${randomBytes(4).toString('hex')}`;
    },
  };
}

/** Stops a stack this process started for itself (no-op under the runner). */
export async function stopOwnServices(): Promise<void> {
  if (own) await (await own).stop();
}
