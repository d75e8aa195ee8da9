import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { deviceTag, NAME_KINDS, redisKeys } from './redis-keys.ts';

/** The key layout `redisKeys` builds: 2 = hash-tagged (Redis Cluster ready). Absent = the layout before. */
export const KEY_LAYOUT_VERSION = '2';

const DEVICE_SUFFIXES = ['live', 'seen'] as const;
const ALERT_KEYS: Record<string, string> = {
  dev: 'state',
  lock: 'lock',
  inbox: 'inbox',
  'inbox-jobs': 'inbox-jobs',
  acks: 'acks',
  'no-recipients-logged': 'no-recipients-logged',
};

/**
 * The name a key of the layout before hash tags has now, or undefined when it keeps its name.
 * `isDevice` tells a device id from a key suffix, as ids may hold `:` (`device:a:live` is the live
 * hash of `a` unless `a:live` is itself a registered device).
 *
 * | old key (prefix `ww`)                  | new key                                |
 * |----------------------------------------|----------------------------------------|
 * | `ww:device:<id>`                       | `ww:{d:<id>}:device`                   |
 * | `ww:device:<id>:live` / `:seen`        | `ww:{d:<id>}:live` / `:seen`           |
 * | `ww:device:<id>:names:<kind>`          | `ww:{names}:device:<id>:<kind>`        |
 * | `ww:tag-values:<kind>`                 | `ww:{names}:tag-values:<kind>`         |
 * | `ww:alert:dev:<id>`                    | `ww:{d:<id>}:alert:state`              |
 * | `ww:alert:<lock|inbox|inbox-jobs|acks|no-recipients-logged>:<id>` | `ww:{d:<id>}:alert:<same>` |
 * | `ww:blind:<name>`                      | `ww:{blind}:<name>`                    |
 * | `ww:bull:<rest>` (BullMQ)              | `ww:{bull}:<rest>`                     |
 * | anything else (devices, last-seen, silences, token key, sessions, alert fleet keys, …) | unchanged |
 */
export function taggedKeyName(prefix: string, oldKey: string, isDevice: (id: string) => boolean): string | undefined {
  const p = `${prefix}:`;
  if (!oldKey.startsWith(p)) return undefined;
  const rest = oldKey.slice(p.length);
  const k = redisKeys(prefix);
  if (rest.startsWith('device:')) {
    const tail = rest.slice('device:'.length);
    if (tail === '') return undefined;
    if (isDevice(tail)) return k.device(tail);
    for (const s of DEVICE_SUFFIXES) {
      if (tail.endsWith(`:${s}`)) {
        const id = tail.slice(0, -s.length - 1);
        return s === 'live' ? k.live(id) : k.seenTransitions(id);
      }
    }
    for (const kind of NAME_KINDS) {
      if (tail.endsWith(`:names:${kind}`)) return k.deviceNames(tail.slice(0, -`:names:${kind}`.length), kind);
    }
    return k.device(tail);
  }
  const tagValues = /^tag-values:(iface|target|policy)$/.exec(rest);
  if (tagValues) return k.tagValues(tagValues[1] as (typeof NAME_KINDS)[number]);
  const alert = /^alert:(dev|lock|inbox|inbox-jobs|acks|no-recipients-logged):(.+)$/.exec(rest);
  if (alert) return `${deviceTag(prefix, alert[2]!)}:alert:${ALERT_KEYS[alert[1]!]}`;
  if (rest.startsWith('blind:')) return `${prefix}:{blind}:${rest.slice('blind:'.length)}`;
  if (rest.startsWith('bull:')) return `${k.bull}:${rest.slice('bull:'.length)}`;
  return undefined;
}

export interface LayoutUpgradeOptions {
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** How long the upgrading process holds the lock between renewals. */
  lockTtlMs?: number;
  /** How long a process waits for another one's upgrade before giving up. */
  waitMs?: number;
}

/**
 * Brings a Redis written by an older wanwatch to the hash-tagged layout, once, before `serve`
 * uses it: every key `taggedKeyName` maps is renamed (RENAMENX: atomic per key; nothing is copied,
 * so nothing can be half-written). Safe with several processes starting at once: one holds
 * `layoutLock` (renewed while it works), the others wait for the `layout` marker. A crash in the
 * middle leaves some keys renamed and the marker unset; the next start renames the rest (a key
 * already renamed is no longer found under its old name). Queued BullMQ jobs move with their keys,
 * so jobs waiting or delayed under the old prefix run afterwards (all old processes must be
 * stopped first: they would keep using the old names). A Redis Cluster has no old layout (the
 * layout before could not run on one): it is only marked. Returns the number of keys renamed.
 */
export async function upgradeKeyLayout(redis: Redis, prefix: string, opts: LayoutUpgradeOptions = {}): Promise<number> {
  const k = redisKeys(prefix);
  const lockTtlMs = opts.lockTtlMs ?? 15_000;
  const deadline = Date.now() + (opts.waitMs ?? 120_000);
  if (redis.isCluster) {
    await redis.set(k.layout, KEY_LAYOUT_VERSION, 'NX');
    return 0;
  }
  for (;;) {
    if ((await redis.get(k.layout)) === KEY_LAYOUT_VERSION) return 0;
    const token = randomBytes(8).toString('hex');
    if ((await redis.set(k.layoutLock, token, 'PX', lockTtlMs, 'NX')) === 'OK') {
      try {
        const renamed = await renameAll(redis, prefix, token, lockTtlMs, opts.log);
        await redis.set(k.layout, KEY_LAYOUT_VERSION);
        if (renamed > 0) opts.log?.('Redis key layout upgraded to hash-tagged keys', { renamed });
        return renamed;
      } finally {
        await redis.eval(RELEASE, 1, k.layoutLock, token);
      }
    }
    if (Date.now() > deadline) throw new Error('another process has been upgrading the Redis key layout for too long');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

async function renameAll(
  redis: Redis,
  prefix: string,
  token: string,
  lockTtlMs: number,
  log: LayoutUpgradeOptions['log'],
): Promise<number> {
  const k = redisKeys(prefix);
  const devices = new Set(await redis.smembers(k.devices));
  let renamed = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const oldKey of batch) {
      const newKey = taggedKeyName(prefix, oldKey, (id) => devices.has(id));
      if (newKey === undefined || newKey === oldKey) continue;
      // RENAMENX: a key already under the new name (never expected) is kept, and so is the old one.
      const n = await redis.renamenx(oldKey, newKey).catch((err: Error) => {
        if (/no such key/i.test(err.message)) return -1; // expired meanwhile
        throw err;
      });
      if (n === 1) renamed++;
      else if (n === 0)
        log?.('Redis key layout upgrade: both names exist, the old key is left as it is', { oldKey, newKey });
    }
    if ((await redis.eval(RENEW, 1, k.layoutLock, token, String(lockTtlMs))) !== 1)
      throw new Error('lost the Redis key layout lock (the upgrade took longer than its lock); start again');
  } while (cursor !== '0');
  return renamed;
}
