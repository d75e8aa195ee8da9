import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisOp, type RedisKeys } from '../store/index.ts';

/**
 * Web-console sessions. The browser holds a random id in an HttpOnly cookie; Redis holds only its
 * SHA-256 (a leaked Redis dump signs nobody in) with the role, the CSRF token and an expiry.
 */
export interface Session {
  role: 'admin';
  csrf: string;
  createdAtMs: number;
}

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
  create(nowMs: number): Promise<{ id: string; session: Session }>;
  read(id: string | undefined): Promise<Session | undefined>;
  end(id: string | undefined): Promise<void>;
  /** A one-time sign-in secret (for `wanwatch up`'s link), valid `ttlMs` (default 15 minutes). */
  createOnce(ttlMs?: number): Promise<string>;
  /** True once for a valid one-time secret (it is deleted as it is used). */
  useOnce(secret: string): Promise<boolean>;
}

export function createSessionStore(redis: Redis, keys: RedisKeys): SessionStore {
  return {
    async create(nowMs) {
      const id = randomBytes(32).toString('base64url');
      const session: Session = { role: 'admin', csrf: randomBytes(32).toString('base64url'), createdAtMs: nowMs };
      await redisOp('creating session', () =>
        redis.set(keys.consoleSession(sha256(id)), JSON.stringify(session), 'PX', SESSION_TTL_MS),
      );
      return { id, session };
    },
    async read(id) {
      if (!id || id.length > 100) return undefined;
      const json = await redisOp('reading session', () => redis.get(keys.consoleSession(sha256(id))));
      if (!json) return undefined;
      try {
        const s = JSON.parse(json) as Session;
        return s.role === 'admin' && typeof s.csrf === 'string' ? s : undefined;
      } catch {
        return undefined;
      }
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
