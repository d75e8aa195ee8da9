import type { Redis } from 'ioredis';
import { deviceRecordSchema, silenceSchema, type DeviceRecord, type RedisKeys, type Silence } from './redis-keys.ts';
import { readLive, readLives, type LiveState } from './live.ts';
import { redisOp } from './redis-op.ts';

/**
 * The device registry's read side, shared by every part: device records, maintenance windows,
 * live state and last-seen times. One rule for bad data: a stored record that does not parse
 * reads as absent (one corrupt record never stops a list, a report or a sweep); a Redis failure
 * is `redis_unavailable`.
 */
export interface DeviceRegistry {
  device(id: string): Promise<DeviceRecord | undefined>;
  /** Every registered device, by id. */
  devices(): Promise<DeviceRecord[]>;
  silences(): Promise<Silence[]>;
  live(id: string): Promise<LiveState | undefined>;
  lives(ids: string[]): Promise<Array<LiveState | undefined>>;
  /** When ingest last heard the device (ms), or null. */
  lastSeen(id: string): Promise<number | null>;
  /** Devices whose last report is older than `olderThanMs`. */
  staleDevices(olderThanMs: number): Promise<string[]>;
}

/** A stored device record, or undefined when missing or not parsable. */
export function parseDeviceRecord(json: string | null | undefined): DeviceRecord | undefined {
  if (!json) return undefined;
  try {
    const r = deviceRecordSchema.safeParse(JSON.parse(json));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

function parseSilence(json: string): Silence[] {
  try {
    const r = silenceSchema.safeParse(JSON.parse(json));
    return r.success ? [r.data] : [];
  } catch {
    return [];
  }
}

/** Reads `keys.device(id)`, `keys.devices`, `keys.silences`, `keys.live(id)` and `keys.lastSeen`. */
export function createDeviceRegistry(redis: Redis, keys: RedisKeys): DeviceRegistry {
  return {
    async device(id) {
      return parseDeviceRecord(await redisOp('reading device', () => redis.get(keys.device(id))));
    },
    async devices() {
      const ids = (await redisOp('listing devices', () => redis.smembers(keys.devices))).sort();
      if (ids.length === 0) return [];
      // One GET per device (each device's record is in its own slot on a cluster); auto-pipelining
      // sends them together.
      const jsons = await redisOp('listing devices', () => Promise.all(ids.map((id) => redis.get(keys.device(id)))));
      return jsons.map(parseDeviceRecord).filter((d): d is DeviceRecord => d !== undefined);
    },
    async silences() {
      const all = await redisOp('reading silences', () => redis.hvals(keys.silences));
      return all.flatMap(parseSilence);
    },
    live: (id) => readLive(redis, keys, id),
    lives: (ids) => readLives(redis, keys, ids),
    async lastSeen(id) {
      const v = await redisOp('reading last-seen', () => redis.zscore(keys.lastSeen, id));
      return v === null ? null : Number(v);
    },
    staleDevices: (olderThanMs) =>
      redisOp('reading last-seen', () => redis.zrangebyscore(keys.lastSeen, '-inf', `(${olderThanMs}`)),
  };
}
