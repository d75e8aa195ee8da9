import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Device tokens: `<deviceId>.<secret>` where secret is 32 random bytes in base64url. The id part
 * tells which DeviceRecord to verify against (and lets a valid token of another device be told
 * apart from a wrong token); only the scrypt hash of the whole token is stored.
 */
const SCRYPT = { N: 16384, r: 8, p: 1, keyLen: 32 };

export function newDeviceToken(deviceId: string): string {
  return `${deviceId}.${randomBytes(32).toString('base64url')}`;
}

/** The device id a token claims (unverified), or undefined when it has not the token's shape. */
export function tokenDeviceId(token: string): string | undefined {
  const dot = token.lastIndexOf('.');
  if (dot <= 0 || token.length - dot - 1 !== 43) return undefined;
  return token.slice(0, dot);
}

function scryptAsync(token: string, salt: Buffer, N: number, r: number, p: number, keyLen: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(token, salt, keyLen, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** `scrypt$N$r$p$saltB64$hashB64` */
export async function hashDeviceToken(token: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(token, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keyLen);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyDeviceToken(token: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, saltB64, hashB64] = stored.split('$');
  if (alg !== 'scrypt' || !saltB64 || !hashB64) return false;
  const expected = Buffer.from(hashB64, 'base64');
  const key = await scryptAsync(
    token,
    Buffer.from(saltB64, 'base64'),
    Number(n),
    Number(r),
    Number(p),
    expected.length,
  );
  return key.length === expected.length && timingSafeEqual(key, expected);
}

export const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant-time comparison of two secrets of any length (hashing first equalises the lengths). */
export function secretEquals(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

export interface TokenCacheOptions {
  ttlMs?: number;
  maxEntries?: number;
  nowMs: () => number;
}

/**
 * Remembers verified tokens briefly: scrypt costs ~50 ms of CPU by design, and every report
 * authenticates. Keyed by a SHA-256 of the token (never the token) together with the stored hash
 * it was verified against (a cache hit is one hash and one Map lookup), so a re-registered or deleted device stops matching at once.
 */
export function createTokenVerifier(opts: TokenCacheOptions) {
  const ttlMs = opts.ttlMs ?? 5 * 60_000;
  const maxEntries = opts.maxEntries ?? 100_000;
  const cache = new Map<string, number>();
  const inflight = new Map<string, Promise<boolean>>();
  /** `tokenSha256`: the token's SHA-256 when the caller has it already (saves hashing it again). */
  return async function verify(token: string, storedHash: string, tokenSha256?: Buffer): Promise<boolean> {
    const key = `${(tokenSha256 ?? sha256(token)).toString('base64')}\0${storedHash}`;
    const until = cache.get(key);
    const now = opts.nowMs();
    if (until !== undefined && until > now) return true;
    // Concurrent requests with the same token share one scrypt run.
    let p = inflight.get(key);
    if (!p) {
      p = verifyDeviceToken(token, storedHash).finally(() => inflight.delete(key));
      inflight.set(key, p);
    }
    const ok = await p;
    if (ok) {
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
      cache.set(key, now + ttlMs);
    }
    return ok;
  };
}
