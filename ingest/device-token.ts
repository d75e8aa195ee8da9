import { createHash, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Device tokens: `<deviceId>.<secret>` where secret is 32 random bytes in base64url. The id part
 * tells which DeviceRecord to verify against (and lets a valid token of another device be told
 * apart from a wrong token); only a hash of the whole token is stored.
 *
 * The stored hash is `hmac-sha256$<keyId>$<digestB64url>`: HMAC-SHA-256 of the token under the
 * server's token key. A slow password hash (scrypt) buys nothing for a 256-bit random secret — no
 * guess list exists to slow down — and it made every uncached check cost ~40 ms of CPU that anyone
 * could spend with bad tokens. `keyId` names the key (a hash of it, not the key) so that a record
 * hashed under another key is told apart from a wrong token in the logs.
 *
 * Records written before this format hold `scrypt$N$r$p$saltB64$hashB64`; they still verify, and
 * the caller rewrites them to the HMAC form after the first success (see `checkToken`).
 */
const SCRYPT = { N: 16384, r: 8, p: 1, keyLen: 32 };
const HMAC_PREFIX = 'hmac-sha256$';

export interface TokenKey {
  /** 8 hex digits of SHA-256(secret): names the key in stored hashes without revealing it. */
  id: string;
  secret: Buffer;
}

export function tokenKeyOf(secret: Buffer): TokenKey {
  return { id: createHash('sha256').update(secret).digest('hex').slice(0, 8), secret };
}

export function newDeviceToken(deviceId: string): string {
  return `${deviceId}.${randomBytes(32).toString('base64url')}`;
}

/** The device id a token claims (unverified), or undefined when it has not the token's shape. */
export function tokenDeviceId(token: string): string | undefined {
  const dot = token.lastIndexOf('.');
  if (dot <= 0 || token.length - dot - 1 !== 43) return undefined;
  return token.slice(0, dot);
}

const hmac = (token: string, key: TokenKey): Buffer => createHmac('sha256', key.secret).update(token).digest();

/** `hmac-sha256$<keyId>$<digestB64url>` */
export function hashDeviceToken(token: string, key: TokenKey): string {
  return `${HMAC_PREFIX}${key.id}$${hmac(token, key).toString('base64url')}`;
}

/** What a stored hash is, by its prefix. */
export function tokenHashKind(stored: string): 'hmac' | 'scrypt' | 'unknown' {
  if (stored.startsWith(HMAC_PREFIX)) return 'hmac';
  if (stored.startsWith('scrypt$')) return 'scrypt';
  return 'unknown';
}

/** Stands in for a stored digest when the device id is unknown, so that case does the same work. */
const NO_DIGEST = Buffer.alloc(32);

/**
 * Checks a token against an HMAC hash in constant time. `stored` undefined (no such device) does the
 * same HMAC and comparison against a dummy digest, so the answer time does not tell which ids exist.
 *
 * | stored                          | token matches | result          |
 * |---------------------------------|---------------|-----------------|
 * | undefined (unknown device)      | —             | `bad`           |
 * | `hmac-sha256$<this key>$…`      | yes / no      | `ok` / `bad`    |
 * | `hmac-sha256$<other key>$…`     | —             | `other_key`     |
 * | `scrypt$…` (before HMAC)        | —             | `legacy`        |
 */
export function checkTokenHash(
  token: string,
  stored: string | undefined,
  key: TokenKey,
): 'ok' | 'bad' | 'other_key' | 'legacy' {
  const digest = hmac(token, key);
  if (stored !== undefined && tokenHashKind(stored) === 'scrypt') return 'legacy';
  let expected = NO_DIGEST;
  let keyId = key.id;
  if (stored !== undefined && tokenHashKind(stored) === 'hmac') {
    const [, id, b64] = stored.split('$');
    const buf = Buffer.from(b64 ?? '', 'base64url');
    if (buf.length === 32) expected = buf;
    keyId = id ?? '';
  }
  const same = timingSafeEqual(digest, expected);
  if (stored === undefined || expected === NO_DIGEST) return 'bad';
  if (keyId !== key.id) return 'other_key';
  return same ? 'ok' : 'bad';
}

function scryptAsync(token: string, salt: Buffer, N: number, r: number, p: number, keyLen: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(token, salt, keyLen, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** The hash format before HMAC (`scrypt$N$r$p$saltB64$hashB64`); kept to make test fixtures of old records. */
export async function legacyScryptHash(token: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(token, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keyLen);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Verifies a token against a record hashed before HMAC (~40 ms of CPU: callers rate-limit it). */
export async function verifyLegacyScrypt(token: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, saltB64, hashB64] = stored.split('$');
  if (alg !== 'scrypt' || !saltB64 || !hashB64) return false;
  const N = Number(n);
  const R = Number(r);
  const P = Number(p);
  // Only the parameters this code ever wrote: a record cannot make us spend more than that.
  if (N !== SCRYPT.N || R !== SCRYPT.r || P !== SCRYPT.p) return false;
  const expected = Buffer.from(hashB64, 'base64');
  if (expected.length !== SCRYPT.keyLen) return false;
  const key = await scryptAsync(token, Buffer.from(saltB64, 'base64'), N, R, P, expected.length);
  return timingSafeEqual(key, expected);
}

export const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant-time comparison of two secrets of any length (hashing first equalises the lengths). */
export function secretEquals(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/**
 * Replaces a record's token hash only if it is still `oldHash`: the record's other fields (edited by
 * the admin API meanwhile) are left as they are. The record is JSON.stringify output, where the
 * field reads `"tokenHash":"…"` exactly.
 */
const REWRITE_TOKEN_HASH = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local needle = '"tokenHash":' .. ARGV[1]
local s, e = string.find(v, needle, 1, true)
if not s then return 0 end
redis.call('SET', KEYS[1], string.sub(v, 1, s - 1) .. '"tokenHash":' .. ARGV[2] .. string.sub(v, e + 1))
return 1`;

export async function rewriteTokenHash(
  redis: Redis,
  deviceKey: string,
  oldHash: string,
  newHash: string,
): Promise<boolean> {
  const n = await redis.eval(REWRITE_TOKEN_HASH, 1, deviceKey, JSON.stringify(oldHash), JSON.stringify(newHash));
  return n === 1;
}

/**
 * The server's token key, shared by every API process and the `wanwatch device add` CLI through
 * Redis (`redisKey`): made once with SET NX from 32 random bytes, read by everyone after. Never
 * logged. Loaded once per client and key; a failed load is retried by the next call.
 */
const loaded = new WeakMap<Redis, Map<string, Promise<TokenKey>>>();
export function loadTokenKey(redis: Redis, redisKey: string): Promise<TokenKey> {
  let perClient = loaded.get(redis);
  if (!perClient) loaded.set(redis, (perClient = new Map()));
  let p = perClient.get(redisKey);
  if (!p) {
    p = (async () => {
      await redis.set(redisKey, randomBytes(32).toString('base64url'), 'NX');
      const v = await redis.get(redisKey);
      if (!v) throw new Error('the token key vanished from Redis right after it was written');
      return tokenKeyOf(Buffer.from(v, 'base64url'));
    })();
    p.catch(() => perClient.delete(redisKey));
    perClient.set(redisKey, p);
  }
  return p;
}
