import type { Redis } from 'ioredis';
import { ProblemError } from '../contract/index.ts';
import { NAME_KINDS, createDeviceRegistry, liveFields, redisOp } from '../store/index.ts';
import type { MultiWanV2 } from '../contract/index.ts';
import type { DeviceRecord, LiveState, NameBudgets, NameKind, RedisKeys } from '../store/index.ts';
import { hashDeviceToken, loadTokenKey, newDeviceToken } from './device-token.ts';
import { batchPerTick } from './tick-batch.ts';

export interface NewDevice {
  id: string;
  name?: string;
  site?: string | null;
  notificationEmails?: string[];
}

/** The device registry's write side and live state in Redis (shared by every API process and the CLI). */
export function createDeviceStore(
  redis: Redis,
  keys: RedisKeys,
  opts: { authCacheMs?: number; nowMs?: () => number } = {},
) {
  const authCacheMs = opts.authCacheMs ?? 2_000;
  const nowMs = opts.nowMs ?? Date.now;
  const recent = new Map<string, { record: DeviceRecord | undefined; untilMs: number }>();

  // Reads go through the shared registry (one parser, one rule for records that do not parse).
  const registry = createDeviceRegistry(redis, keys);
  const get = (id: string): Promise<DeviceRecord | undefined> => registry.device(id);

  async function put(record: DeviceRecord): Promise<void> {
    recent.delete(record.id);
    await redisOp('writing device', () => redis.set(keys.device(record.id), JSON.stringify(record)));
  }

  return {
    get,
    put,
    /**
     * The record for authenticating a request, remembered `authCacheMs` (2 s): every report
     * authenticates, and this saves a Redis round trip each. A device deleted through another API
     * process stops authenticating within that time; through this one, at once.
     */
    async getForAuth(id: string): Promise<DeviceRecord | undefined> {
      const hit = recent.get(id);
      const now = nowMs();
      if (hit && hit.untilMs > now) return hit.record;
      const record = await get(id);
      if (recent.size > 50_000) recent.clear();
      recent.set(id, { record, untilMs: now + authCacheMs });
      return record;
    },
    /** Registers a device; the token is returned once and only its hash is stored. */
    async add(input: NewDevice, nowMs: number): Promise<{ record: DeviceRecord; token: string }> {
      const token = newDeviceToken(input.id);
      const record: DeviceRecord = {
        v: 1,
        id: input.id,
        name: input.name ?? input.id,
        site: input.site ?? null,
        tokenHash: hashDeviceToken(
          token,
          await redisOp('reading the token key', () => loadTokenKey(redis, keys.tokenKey)),
        ),
        createdAtMs: nowMs,
        notificationEmails: input.notificationEmails ?? [],
        multiWan: null,
      };
      const created = await redisOp('registering device', async () => {
        const ok = await redis.set(keys.device(input.id), JSON.stringify(record), 'NX');
        if (ok) await redis.sadd(keys.devices, input.id);
        return ok === 'OK';
      });
      if (!created) throw new ProblemError('device_exists', `device "${input.id}" already exists`);
      recent.delete(input.id);
      return { record, token };
    },
    list: (): Promise<DeviceRecord[]> => registry.devices(),
    async remove(id: string): Promise<boolean> {
      recent.delete(id);
      // The device's own keys (one slot), then its name sets (the `{names}` slot) and its entries in
      // the fleet's set and zset: a crash between the steps leaves an id whose record is gone, which
      // readers skip and a second delete clears.
      const n = await redisOp('deleting device', async () => {
        const deleted = await redis.del(keys.device(id), keys.live(id), keys.seenTransitions(id));
        await redis.del(...NAME_KINDS.map((k) => keys.deviceNames(id, k)));
        await redis.srem(keys.devices, id);
        await redis.zrem(keys.lastSeen, id);
        return deleted;
      });
      return n > 0;
    },
    async setMultiWan(record: DeviceRecord, multiWan: MultiWanV2): Promise<DeviceRecord> {
      const next: DeviceRecord = { ...record, multiWan, notificationEmails: [...multiWan.notificationEmails] };
      await put(next);
      return next;
    },
    /** Sets the admin's name budgets (only the kinds given; the others keep their defaults). */
    async setNameBudgets(record: DeviceRecord, nameBudgets: Partial<NameBudgets>): Promise<DeviceRecord> {
      const next: DeviceRecord = { ...record, nameBudgets };
      await put(next);
      return next;
    },
    /** Distinct names of each kind the device has used so far (what its budgets count). */
    async namesUsed(id: string): Promise<Record<NameKind, number>> {
      const n = await redisOp('reading name budget', () =>
        Promise.all(NAME_KINDS.map((k) => redis.scard(keys.deviceNames(id, k)))),
      );
      return { iface: n[0]!, target: n[1]!, policy: n[2]! };
    },
    getLive: (id: string): Promise<LiveState | undefined> => registry.live(id),
    getLives: (ids: string[]): Promise<Array<LiveState | undefined>> => registry.lives(ids),
    /** Live hash fields (JSON values), as one HSET, and the watchdog's last-seen score. */
    async setLive(id: string, live: LiveState): Promise<void> {
      // Two slots on a cluster: the live hash first; a crash before the last-seen score leaves the
      // report unacknowledged, and the reporter's retry writes both.
      await redisOp('writing live state', async () => {
        await redis.hset(keys.live(id), liveFields(live));
        await redis.zadd(keys.lastSeen, live.lastSeenMs, id);
      });
    },
  };
}
export type DeviceStore = ReturnType<typeof createDeviceStore>;

/**
 * `ZADD keys.lastSeen` for many devices as one command: every report ends with this update, and the
 * requests resumed in one tick (one group-commit write) share it. Each caller's promise settles with
 * the shared command.
 */
export function createLastSeenWriter(redis: Redis, key: string) {
  const zadd = batchPerTick<{ id: string; lastSeenMs: number }>((items) =>
    redis.zadd(key, ...items.flatMap((i) => [i.lastSeenMs, i.id])),
  );
  return (id: string, lastSeenMs: number): Promise<void> => zadd({ id, lastSeenMs });
}
