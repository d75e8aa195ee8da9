import type { InfluxDB } from 'influx';
import { ProblemError, decodeTagValue } from '../contract/index.ts';
import { M, RP, TAG, parseDeviceRecord, type DeviceRecord, type RedisKeys } from '../store/index.ts';
import { from, ident, tagLit } from './core/influxql.ts';

/** The few Redis calls we need (an ioredis client satisfies it). */
export interface RegistryRedis {
  smembers(key: string): Promise<string[]>;
  get(key: string): Promise<string | null>;
}

/** Everything the generators need from the outside world, behind one small interface. */
export interface DashboardInventory {
  listDevices(): Promise<DeviceRecord[]>;
  countDevices(): Promise<number>;
  loadDevice(id: string): Promise<DeviceRecord | null>;
  /** Interfaces and policies the device has reported (decoded tag values). */
  reported(id: string): Promise<{ ifaces: string[]; policies: string[] }>;
}

export function createInventory(deps: { redis: RegistryRedis; keys: RedisKeys; influx: InfluxDB }): DashboardInventory {
  const { redis, keys, influx } = deps;
  // Outages are classified here, where the services are called: the router answers 503 with a
  // stable code, the syncer retries them as transient.
  const fromRedis = <T>(p: Promise<T>) =>
    p.catch((err: unknown) => {
      throw new ProblemError('redis_unavailable', `Redis: ${err instanceof Error ? err.message : String(err)}`);
    });
  const loadDevice = async (id: string) => {
    // The registry's one rule: a record that does not parse reads as absent.
    return parseDeviceRecord(await fromRedis(redis.get(keys.device(id)))) ?? null;
  };
  const tagValues = async (measurement: string, key: string, id: string) => {
    const rows = await influx
      .query<{
        key: string;
        value: string;
      }>(
        `SHOW TAG VALUES FROM ${from(RP.raw, measurement)} WITH KEY = ${ident(key)} WHERE ${ident(TAG.device)} = ${tagLit(id)}`,
      )
      .catch((err: unknown) => {
        throw new ProblemError('influx_unavailable', `InfluxDB: ${err instanceof Error ? err.message : String(err)}`);
      });
    return rows.map((r) => decodeTagValue(r.value));
  };
  return {
    loadDevice,
    async listDevices() {
      const ids = (await fromRedis(redis.smembers(keys.devices))).sort();
      const records = await Promise.all(ids.map(loadDevice));
      return records.filter((r): r is DeviceRecord => r !== null);
    },
    async countDevices() {
      return (await fromRedis(redis.smembers(keys.devices))).length;
    },
    async reported(id) {
      const [ifaces, policies] = await Promise.all([
        tagValues(M.iface, TAG.iface, id),
        tagValues(M.policyMember, TAG.policy, id),
      ]);
      return { ifaces, policies };
    },
  };
}
