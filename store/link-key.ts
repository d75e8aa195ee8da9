import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * The server's key for signed links (store/signed-links.ts), shared by every API and worker
 * process through Redis (`redisKey`, keys.linkKey): made once with SET NX from 32 random bytes,
 * read by everyone after. Never logged. Loaded once per client and key; a failed load is retried
 * by the next call. Deleting the Redis key (and restarting) voids every link given out.
 */
const loaded = new WeakMap<Redis, Map<string, Promise<Buffer>>>();
export function loadLinkKey(redis: Redis, redisKey: string): Promise<Buffer> {
  let perClient = loaded.get(redis);
  if (!perClient) loaded.set(redis, (perClient = new Map()));
  let p = perClient.get(redisKey);
  if (!p) {
    p = (async () => {
      await redis.set(redisKey, randomBytes(32).toString('base64url'), 'NX');
      const v = await redis.get(redisKey);
      if (!v) throw new Error('the link key vanished from Redis right after it was written');
      return Buffer.from(v, 'base64url');
    })();
    p.catch(() => perClient.delete(redisKey));
    perClient.set(redisKey, p);
  }
  return p;
}
