import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisOp, type RedisKeys } from '../store/index.ts';
import { isConsoleRole, type ConsoleRole } from './core/console-access.ts';

/**
 * Web-console sessions. The browser holds a random id in an HttpOnly cookie; Redis holds only its
 * SHA-256 (a leaked Redis dump signs nobody in) with who signed in (role, token id, name — never
 * the token), the CSRF token and an expiry.
 */
export interface Session extends SignedIn {
  csrf: string;
  createdAtMs: number;
}

/** Who a session belongs to, as the API's `GET /whoami` names them. */
export interface SignedIn {
  role: ConsoleRole;
  /** An API token's id, or `env-admin` / `env-viewer` for the env tokens. */
  tokenId: string;
  name: string;
}

/** The env admin token's identity (the one-time sign-in link of `wanwatch up` signs in as it). */
export const ENV_ADMIN: SignedIn = { role: 'admin', tokenId: 'env-admin', name: 'WANWATCH_ADMIN_TOKEN' };
const ENV_IDS = new Set(['env-admin', 'env-viewer']);

export const SESSION_COOKIE = 'wanwatch_session';
export const SESSION_TTL_MS = 12 * 3600_000;
const ONCE_TTL_MS = 15 * 60_000;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Constant-time string comparison (lengths compared first: the length of a secret is not secret). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface SessionStore {
  create(who: SignedIn, nowMs: number): Promise<{ id: string; session: Session }>;
  /**
   * The session, if it exists and its API token still does: a revoked token's sessions end at
   * their next request (one EXISTS; the env tokens have no record to check).
   */
  read(id: string | undefined): Promise<Session | undefined>;
  end(id: string | undefined): Promise<void>;
  /** A one-time sign-in secret (for `wanwatch up`'s link), valid `ttlMs` (default 15 minutes). */
  createOnce(ttlMs?: number): Promise<string>;
  /** True once for a valid one-time secret (it is deleted as it is used). */
  useOnce(secret: string): Promise<boolean>;
}

export function createSessionStore(redis: Redis, keys: RedisKeys): SessionStore {
  return {
    async create(who, nowMs) {
      const id = randomBytes(32).toString('base64url');
      const session: Session = {
        role: who.role,
        tokenId: who.tokenId,
        name: who.name,
        csrf: randomBytes(32).toString('base64url'),
        createdAtMs: nowMs,
      };
      await redisOp('creating session', () =>
        redis.set(keys.consoleSession(sha256(id)), JSON.stringify(session), 'PX', SESSION_TTL_MS),
      );
      return { id, session };
    },
    async read(id) {
      if (!id || id.length > 100) return undefined;
      const key = keys.consoleSession(sha256(id));
      const json = await redisOp('reading session', () => redis.get(key));
      const s = json ? parseSession(json) : undefined;
      if (!s) return undefined;
      if (ENV_IDS.has(s.tokenId)) return s;
      const exists = await redisOp('checking the session token', () => redis.exists(keys.apiToken(s.tokenId)));
      if (exists === 1) return s;
      await redisOp('ending session', () => redis.del(key));
      return undefined;
    },
    async end(id) {
      if (id) await redisOp('ending session', () => redis.del(keys.consoleSession(sha256(id))));
    },
    async createOnce(ttlMs = ONCE_TTL_MS) {
      const secret = randomBytes(32).toString('base64url');
      await redisOp('creating sign-in link', () => redis.set(keys.consoleOnce(sha256(secret)), '1', 'PX', ttlMs));
      return secret;
    },
    async useOnce(secret) {
      if (!secret || secret.length > 100) return false;
      const n = await redisOp('using sign-in link', () => redis.del(keys.consoleOnce(sha256(secret))));
      return n === 1;
    },
  };
}

function parseSession(json: string): Session | undefined {
  try {
    const s = JSON.parse(json) as Partial<Session>;
    const ok =
      isConsoleRole(s.role) &&
      typeof s.csrf === 'string' &&
      typeof s.tokenId === 'string' &&
      typeof s.name === 'string' &&
      typeof s.createdAtMs === 'number';
    return ok ? (s as Session) : undefined;
  } catch {
    return undefined;
  }
}

/** The path of a one-time sign-in link (`wanwatch up` prints it). */
export const signInLinkPath = (secret: string): string => `/login/once/${secret}`;

/** The value of one cookie from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** The session cookie: HttpOnly, SameSite=Strict, Secure when the request came over HTTPS. */
export function sessionCookie(id: string, secure: boolean, maxAgeMs = SESSION_TTL_MS): string {
  return [
    `${SESSION_COOKIE}=${id}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.floor(maxAgeMs / 1000)}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}
