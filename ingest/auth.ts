import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ProblemError, deviceIdSchema } from '../contract/index.ts';
import { redisOp, type DeviceRecord } from '../store/index.ts';
import { timingSafeEqual } from 'node:crypto';
import {
  checkTokenHash,
  hashDeviceToken,
  secretEquals,
  sha256,
  tokenDeviceId,
  verifyLegacyScrypt,
  type TokenKey,
} from './device-token.ts';
import type { DeviceStore } from './device-store.ts';
import type { AuthLimiters } from './auth-limits.ts';
import { RetryLaterProblem } from './http-problems.ts';

export type Principal =
  | { kind: 'admin' }
  | { kind: 'viewer' }
  | { kind: 'device'; deviceId: string; record: DeviceRecord };

export interface AuthDeps {
  adminToken: string;
  /** Read-only tokens (role viewer): they pass the admin routes for GET and HEAD only. */
  viewerTokens?: readonly string[];
  store: DeviceStore;
  /** The server's token key (loadTokenKey). */
  tokenKey: () => Promise<TokenKey>;
  limits: AuthLimiters;
  nowMs: () => number;
  /** Replaces a verified pre-HMAC (scrypt) hash by the HMAC one; only if the record still holds `oldHash`. */
  upgradeHash: (deviceId: string, oldHash: string, newHash: string) => Promise<void>;
  logger?: Logger;
}

/** The request as authentication sees it: headers and the peer address (the source the limits count). */
export interface AuthRequest {
  headers: IncomingHttpHeaders;
  socket?: { remoteAddress?: string | undefined };
}

export function bearerToken(req: { headers: IncomingHttpHeaders }): string {
  const h = req.headers.authorization;
  if (!h) throw new ProblemError('missing_token');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw new ProblemError('missing_token', 'Authorization must be "Bearer <token>"');
  return m[1]!;
}

let lastAdmin: { token: string; digest: Buffer } | undefined;
function adminDigest(adminToken: string): Buffer {
  if (lastAdmin?.token !== adminToken) lastAdmin = { token: adminToken, digest: sha256(adminToken) };
  return lastAdmin.digest;
}

/**
 * Who the bearer token belongs to: the admin, or a device whose token matches its stored hash.
 *
 * Failed checks are counted per source address and per claimed device id (auth-limits.ts). A
 * limited key changes the answer to a wrong token from 401 to 429 with Retry-After, and stops the
 * one expensive check (a pre-HMAC scrypt record); it never refuses a right token, so nobody can lock
 * a device out by sending bad tokens in its name or from behind the same address (a NAT, a proxy).
 * Unknown ids take the same path as known ones: one Redis read, one HMAC, one comparison.
 *
 * | token                          | source or id limited | result                                   |
 * |--------------------------------|----------------------|------------------------------------------|
 * | the admin token                | any                  | admin                                    |
 * | right device token (HMAC)      | any                  | device                                   |
 * | right device token (scrypt)    | no                   | device; the hash is rewritten as HMAC    |
 * | any device token (scrypt)      | yes                  | 429 too_many_auth_failures (no scrypt)   |
 * | wrong, unknown id, bad shape   | no                   | 401 invalid_token; a failure is counted  |
 * | wrong, unknown id, bad shape   | yes                  | 429 too_many_auth_failures; counted      |
 */
export async function authenticate(req: AuthRequest, deps: AuthDeps): Promise<Principal> {
  const token = bearerToken(req);
  if (timingSafeEqual(sha256(token), adminDigest(deps.adminToken))) return { kind: 'admin' };
  const nowMs = deps.nowMs();
  const source = req.socket?.remoteAddress ?? 'unknown';
  // An id no device can have (too long, odd characters) is refused like a malformed token: no
  // lookup, and no per-id entry (which would let one client fill memory with long ids).
  const claimed = tokenDeviceId(token);
  const deviceId = claimed !== undefined && deviceIdSchema.safeParse(claimed).success ? claimed : undefined;
  const limited = [deps.limits.source.state(source, nowMs)];
  if (deviceId !== undefined) limited.push(deps.limits.device.state(`id:${deviceId}`, nowMs));
  const retryAfterMs = Math.max(0, ...limited.map((l) => (l.limited ? l.retryAfterMs : 0)));
  const refuse = (): never => {
    deps.limits.source.fail(source, nowMs);
    if (deviceId !== undefined) deps.limits.device.fail(`id:${deviceId}`, nowMs);
    if (retryAfterMs > 0) throw new RetryLaterProblem('too_many_auth_failures', retryAfterMs);
    throw new ProblemError('invalid_token');
  };
  if (deviceId === undefined) return refuse();
  const record = await deps.store.getForAuth(deviceId);
  const key = await redisOp('reading the token key', deps.tokenKey);
  const verdict = checkTokenHash(token, record?.tokenHash, key);
  if (verdict === 'ok') return { kind: 'device', deviceId, record: record! };
  if (verdict === 'legacy' && retryAfterMs === 0 && (await verifyLegacyScrypt(token, record!.tokenHash))) {
    const upgraded = hashDeviceToken(token, key);
    deps.upgradeHash(deviceId, record!.tokenHash, upgraded).catch((err: unknown) => {
      deps.logger?.warn({ deviceId, err: (err as Error).message }, 'token hash upgrade failed (retried next time)');
    });
    return { kind: 'device', deviceId, record: { ...record!, tokenHash: upgraded } };
  }
  if (verdict === 'other_key') {
    deps.logger?.warn({ deviceId }, 'device token hash was made with another server token key: re-register the device');
  }
  return refuse();
}

export function principalOf(res: { locals: Record<string, unknown> }): Principal {
  const p = res.locals.principal as Principal | undefined;
  if (!p) throw new ProblemError('missing_token');
  return p;
}

/**
 * Puts the principal in res.locals.principal; `admin` = only the admin token passes, and a viewer
 * token for reading:
 *
 * | token | method | result |
 * |---|---|---|
 * | admin | any | admin |
 * | viewer | GET, HEAD | viewer |
 * | viewer | any other | 403 forbidden |
 * | device | any | 403 forbidden |
 * | other / none | any | 401 |
 */
export function authMiddleware(deps: AuthDeps, who: 'admin' | 'any'): RequestHandler {
  return async (req, res, next) => {
    if (who === 'admin') {
      const token = bearerToken(req);
      if (!secretEquals(token, deps.adminToken) && deps.viewerTokens?.some((v) => secretEquals(token, v))) {
        if (req.method !== 'GET' && req.method !== 'HEAD')
          throw new ProblemError('forbidden', 'a viewer token may only read');
        res.locals.principal = { kind: 'viewer' } satisfies Principal;
        return next();
      }
      if (!secretEquals(token, deps.adminToken)) {
        // A valid device token is "forbidden", anything else "invalid".
        const p = await authenticate(req, deps);
        if (p.kind === 'device') throw new ProblemError('forbidden', 'this route needs the admin token');
      }
      res.locals.principal = { kind: 'admin' } satisfies Principal;
    } else {
      res.locals.principal = await authenticate(req, deps);
    }
    next();
  };
}
