import type { Redis } from 'ioredis';
import {
  ProblemError,
  deviceRecordSchema,
  silenceSchema,
  type DeviceRecord,
  type RedisKeys,
  type Silence,
} from '../../contract/index.ts';

/** Role interface: devices and maintenance windows as the reports need them. */
export interface Registry {
  device(id: string): Promise<DeviceRecord | undefined>;
  devices(): Promise<DeviceRecord[]>;
  silences(): Promise<Silence[]>;
}

async function redisOp<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new ProblemError('redis_unavailable', `${what}: ${(err as Error).message}`);
  }
}

/** Reads `keys.device(id)`, `keys.devices` and `keys.silences`; records that do not parse are skipped. */
export function createRedisRegistry(redis: Redis, keys: RedisKeys): Registry {
  const parseDevice = (json: string | null) => {
    if (!json) return undefined;
    const r = deviceRecordSchema.safeParse(JSON.parse(json));
    return r.success ? r.data : undefined;
  };
  return {
    async device(id) {
      return parseDevice(await redisOp('reading device', () => redis.get(keys.device(id))));
    },
    async devices() {
      const ids = (await redisOp('listing devices', () => redis.smembers(keys.devices))).sort();
      if (ids.length === 0) return [];
      const jsons = await redisOp('reading devices', () => redis.mget(ids.map((id) => keys.device(id))));
      return jsons.map(parseDevice).filter((d): d is DeviceRecord => d !== undefined);
    },
    async silences() {
      const all = await redisOp('reading silences', () => redis.hvals(keys.silences));
      return all.flatMap((json) => {
        const r = silenceSchema.safeParse(JSON.parse(json));
        return r.success ? [r.data] : [];
      });
    },
  };
}
