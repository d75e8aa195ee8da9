/**
 * A test's own influxd and redis-server (Redis with its append-only file, as `wanwatch up` runs
 * it), which the test may stop and start again on the same ports and data — without disturbing
 * the suite's shared stack. Test code only.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInfluxd } from '../../stack/influxd.ts';
import { startRedis } from '../../stack/redis.ts';
import type { TestServices } from '../../stack/testing.ts';

export interface PrivateServices {
  services: TestServices;
  stopInfluxd(): Promise<void>;
  startInfluxd(): Promise<void>;
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
  close(): Promise<void>;
}

export async function startPrivateServices(): Promise<PrivateServices> {
  const dir = mkdtempSync(join(tmpdir(), 'wanwatch-faults-'));
  let influxd: Awaited<ReturnType<typeof startInfluxd>> | null = await startInfluxd(join(dir, 'influxd'), process.pid);
  let redis: Awaited<ReturnType<typeof startRedis>> | null = await startRedis(join(dir, 'redis'), process.pid, true);
  const influxPorts = { httpPort: influxd.httpPort, rpcPort: influxd.rpcPort };
  const redisPort = redis.port;
  const influxBaseUrl = influxd.url;
  const label = (l: string) => `${l.replace(/[^A-Za-z0-9_]/g, '_')}_${randomBytes(4).toString('hex')}`;
  return {
    services: {
      influxBaseUrl,
      redisUrl: redis.url,
      influxDb: (l = 't') => {
        const db = label(l);
        return { db, url: `${influxBaseUrl}/${db}` };
      },
      redisPrefix: (l = 't') => label(l),
    },
    async stopInfluxd() {
      await influxd?.service.stop();
      influxd = null;
    },
    async startInfluxd() {
      influxd = await startInfluxd(join(dir, 'influxd'), process.pid, influxPorts);
    },
    async stopRedis() {
      await redis?.service.stop();
      redis = null;
    },
    async startRedis() {
      redis = await startRedis(join(dir, 'redis'), process.pid, true, redisPort);
    },
    async close() {
      await Promise.all([influxd?.service.stop(), redis?.service.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
