import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { RedisKeys } from '../store/index.ts';
import { ROLES, type Role } from './access-policy.ts';
import { checkTokenHash, hashDeviceToken, loadTokenKey } from './device-token.ts';

/**
 * API tokens with a role (access-policy.ts), made by an admin through `POST /api/v1/tokens` or
 * `wanwatch token create`. A token reads `wwt_<id>_<secret>`: the id (12 hex digits) names the
 * one Redis hash to check, so a lookup is one read whatever the number of tokens; only the keyed
 * HMAC of the whole token is stored (the device tokens' key and format, device-token.ts).
 *
 * Nothing is cached in a process: every request reads the record, so a revoked token is refused
 * by every API process from the next request on. `lastUsedMs` is written at most once a minute
 * per token (coarse, and no write per request).
 */
export const LAST_USED_STEP_MS = 60_000;
const TOKEN_RE = /^wwt_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/;

export const tokenNameSchema = z.string().trim().min(1).max(100);
export const newTokenSchema = z.strictObject({ name: tokenNameSchema, role: z.enum(ROLES) });

/** A token as listed: never the token nor its hash. */
export interface ApiTokenView {
  id: string;
  name: string;
  role: Role;
  createdAtMs: number;
  /** Last successful use, to the minute; null when never used. */
  lastUsedMs: number | null;
}

/** The id a token claims (unverified), or undefined when it has not an API token's shape. */
export function apiTokenId(token: string): string | undefined {
  return TOKEN_RE.exec(token)?.[1];
}

/** True when the last-used time is old enough to be written again. Pure. */
export const lastUsedStale = (lastUsedMs: number | null, nowMs: number) =>
  lastUsedMs === null || nowMs - lastUsedMs >= LAST_USED_STEP_MS;

function viewOf(id: string, h: Record<string, string>): ApiTokenView | undefined {
  const role = h.role as Role | undefined;
  if (!h.hash || !h.name || !role || !ROLES.includes(role)) return undefined;
  const lastUsed = Number(h.lastUsedMs);
  return {
    id,
    name: h.name,
    role,
    createdAtMs: Number(h.createdAtMs),
    lastUsedMs: h.lastUsedMs && Number.isFinite(lastUsed) ? lastUsed : null,
  };
}

export function createApiTokenStore(redis: Redis, keys: RedisKeys) {
  const key = () => loadTokenKey(redis, keys.tokenKey);
  return {
    /** Makes a token; the answer carries it once (it is not stored). */
    async create(input: { name: string; role: Role }, nowMs: number): Promise<ApiTokenView & { token: string }> {
      const id = randomBytes(6).toString('hex');
      const token = `wwt_${id}_${randomBytes(32).toString('base64url')}`;
      const hash = hashDeviceToken(token, await key());
      await redis
        .multi()
        .hset(keys.apiToken(id), { name: input.name, role: input.role, hash, createdAtMs: String(nowMs) })
        .sadd(keys.apiTokens, id)
        .exec();
      return { id, name: input.name, role: input.role, createdAtMs: nowMs, lastUsedMs: null, token };
    },

    async list(): Promise<ApiTokenView[]> {
      const ids = (await redis.smembers(keys.apiTokens)).sort();
      if (ids.length === 0) return [];
      const p = redis.pipeline();
      for (const id of ids) p.hgetall(keys.apiToken(id));
      const rows = (await p.exec()) ?? [];
      return ids.flatMap((id, i) => {
        const v = viewOf(id, (rows[i]?.[1] ?? {}) as Record<string, string>);
        return v ? [v] : [];
      });
    },

    /** Deletes a token; false when there was none with this id. */
    async revoke(id: string): Promise<boolean> {
      const res = await redis.multi().del(keys.apiToken(id)).srem(keys.apiTokens, id).exec();
      return Number(res?.[0]?.[1] ?? 0) > 0;
    },

    /**
     * The token's record when `token` is right, else undefined. An unknown id costs the same HMAC
     * and comparison as a known one (checkTokenHash), so timing does not tell which ids exist.
     */
    async verify(token: string, nowMs: number): Promise<ApiTokenView | undefined> {
      const id = apiTokenId(token);
      if (id === undefined) return undefined;
      const h = await redis.hgetall(keys.apiToken(id));
      const view = viewOf(id, h);
      const verdict = checkTokenHash(token, view ? h.hash : undefined, await key());
      if (verdict !== 'ok' || !view) return undefined;
      if (lastUsedStale(view.lastUsedMs, nowMs)) {
        // Only if the token still exists: a revoke in between must not leave a stub behind.
        redis
          .eval(TOUCH, 1, keys.apiToken(id), String(nowMs))
          .catch(() => undefined /* a lost last-used update is harmless: the next use writes it */);
      }
      return view;
    },
  };
}
export type ApiTokenStore = ReturnType<typeof createApiTokenStore>;

const TOUCH = `if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'lastUsedMs', ARGV[1]) end return 0`;
