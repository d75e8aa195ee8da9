/**
 * A private InfluxDB and Redis that a test may restart under a running backend: each comes back on
 * the same port with its data (Redis with its append-only file, as `wanwatch up` runs it), so the
 * backend's clients reconnect to the same address, as after a service restart in production.
 * The suite's shared stack must never be restarted (other test files use it at the same time).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInfluxd } from '../../stack/influxd.ts';
import { startRedis, type RedisInstance } from '../../stack/redis.ts';

export interface RestartableServices {
  /** `http://127.0.0.1:PORT` (no database). */
  influxBaseUrl: string;
  redisUrl: string;
  /** Stops Redis (SIGTERM: it writes its append-only file), keeps it down `downMs`, starts it again. */
  restartRedis(downMs: number): Promise<{ stoppedAtMs: number; startedAtMs: number }>;
  /** Stops influxd, keeps it down `downMs`, starts it again on the same data. */
  restartInflux(downMs: number): Promise<{ stoppedAtMs: number; startedAtMs: number }>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startRestartableServices(): Promise<RestartableServices> {
  const dir = mkdtempSync(join(tmpdir(), 'ww-lifecycle-stack-'));
  let influx: Awaited<ReturnType<typeof startInfluxd>> = await startInfluxd(join(dir, 'influxdb'), process.pid);
  let redis: RedisInstance = await startRedis(join(dir, 'redis'), process.pid, true);
  return {
    influxBaseUrl: influx.url,
    redisUrl: redis.url,
    async restartRedis(downMs) {
      await redis.service.stop();
      const stoppedAtMs = Date.now();
      await sleep(downMs);
      redis = await startRedis(join(dir, 'redis'), process.pid, true, redis.port);
      return { stoppedAtMs, startedAtMs: Date.now() };
    },
    async restartInflux(downMs) {
      await influx.service.stop();
      const stoppedAtMs = Date.now();
      await sleep(downMs);
      influx = await startInfluxd(join(dir, 'influxdb'), process.pid, {
        httpPort: influx.httpPort,
        rpcPort: influx.rpcPort,
      });
      return { stoppedAtMs, startedAtMs: Date.now() };
    },
    async stop() {
      await Promise.all([influx.service.stop(), redis.service.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
