import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ProblemError, deviceIdSchema } from '../contract/index.ts';
import { redisOp } from '../store/index.ts';
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
import { apiTokenId, type ApiTokenStore } from './api-tokens.ts';
import type { Principal } from './principal.ts';
import { matchRoute, mayCall, type Caller } from './access-policy.ts';
import { auditOnFinish, type AuditLog } from './audit.ts';
import { resolveActingFor } from './acting-for.ts';

export type { Principal };

/** The principal as the access table (access-policy.ts) sees it. */
export function callerOf(p: Principal): Caller {
  if (p.kind === 'device') return { device: true };
  if (p.kind === 'token') return { role: p.token.role };
  return { role: p.kind };
}

export interface AuthDeps {
  adminToken: string;
  /** Read-only tokens (role viewer): they pass the admin routes for GET and HEAD only. */
  viewerTokens?: readonly string[];
  /** API tokens with roles; absent = only the admin, viewer and device tokens authenticate. */
  apiTokens?: ApiTokenStore;
  /** Where API writes are recorded (audit.ts); absent = not recorded. */
  audit?: AuditLog;
  store: DeviceStore;
  /** The server's token key (loadTokenKey). */
  tokenKey: () => Promise<TokenKey>;
  limits: AuthLimiters;
  nowMs: () => number;
  /** Replaces a verified pre-HMAC (scrypt) hash by the HMAC one; only if the record still holds `oldHash`. */
  upgradeHash: (deviceId: string, oldHash: string, newHash: string) => Promise<void>;
  logger?: Logger;
  /** Device tokens verified recently (createVerifiedTokens); absent = every request verified in full. */
  verified?: VerifiedTokens;
}

/** Device tokens that matched their device's stored hash, and that hash. */
export interface VerifiedTokens {
  get(token: string): string | undefined;
  set(token: string, tokenHash: string): void;
  delete(token: string): void;
}

/**
 * A device sends every upload with the same token, and the admin-token digest plus the HMAC of the
 * device check are most of authentication's CPU. A token that matched is remembered with the hash
 * it matched, and counts again only while the device's record (getForAuth, itself cached for a few
 * seconds) still holds that hash: a re-registered or deleted device is refused as before. The
 * tokens live in this process's memory only (never stored or logged); at most `max` of them, the
 * oldest forgotten first.
 */
export function createVerifiedTokens(max = 100_000): VerifiedTokens {
  const byToken = new Map<string, string>();
  return {
    get: (token) => byToken.get(token),
    set(token, tokenHash) {
      byToken.delete(token);
      byToken.set(token, tokenHash);
      if (byToken.size > max) byToken.delete(byToken.keys().next().value!);
    },
    delete: (token) => void byToken.delete(token),
  };
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
  const known = deps.verified?.get(token);
  if (known !== undefined) {
    // Only a token that passed the full check below is remembered: it is a device's, not the admin's.
    const deviceId = tokenDeviceId(token)!;
    const record = await deps.store.getForAuth(deviceId);
    if (record?.tokenHash === known) return { kind: 'device', deviceId, record };
    deps.verified!.delete(token);
  }
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
  if (verdict === 'ok') {
    deps.verified?.set(token, record!.tokenHash);
    return { kind: 'device', deviceId, record: record! };
  }
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
 * Who an API request comes from (reports use `authenticate`, which knows only admin and device
 * tokens). A wrong API-shaped token is counted against its source like a wrong device token.
 *
 * | token                                | result                           |
 * |--------------------------------------|----------------------------------|
 * | WANWATCH_ADMIN_TOKEN                 | admin                            |
 * | one of WANWATCH_VIEWER_TOKENS        | viewer                           |
 * | `wwt_<id>_…`, stored and right       | token (its role)                 |
 * | `wwt_<id>_…`, revoked or wrong       | 401 invalid_token (429 if limited) |
 * | anything else                        | as `authenticate` (device or 401) |
 */
export async function authenticateApi(req: AuthRequest, deps: AuthDeps): Promise<Principal> {
  const token = bearerToken(req);
  if (timingSafeEqual(sha256(token), adminDigest(deps.adminToken))) return { kind: 'admin' };
  if (deps.viewerTokens?.some((v) => secretEquals(token, v))) return { kind: 'viewer' };
  if (deps.apiTokens && apiTokenId(token) !== undefined) {
    const nowMs = deps.nowMs();
    const view = await redisOp('reading an API token', () => deps.apiTokens!.verify(token, nowMs));
    if (view) return { kind: 'token', token: view };
    const source = req.socket?.remoteAddress ?? 'unknown';
    const state = deps.limits.source.state(source, nowMs);
    deps.limits.source.fail(source, nowMs);
    if (state.limited) throw new RetryLaterProblem('too_many_auth_failures', state.retryAfterMs);
    throw new ProblemError('invalid_token');
  }
  return authenticate(req, deps);
}

/**
 * Authenticates an API request and checks its route against the access table (access-policy.ts);
 * puts the principal in res.locals.principal and records the request in the audit log when it
 * writes. A route not in the table needs admin. The web console's loopback calls act for the
 * signed-in person (acting-for.ts): their role is the one checked and the audit row names them.
 *
 * | principal              | route needs                 | result                     |
 * |------------------------|-----------------------------|----------------------------|
 * | role allowed (mayCall) | viewer / operator / admin   | next                       |
 * | role too weak          | any role                    | 403 forbidden              |
 * | device                 | `device` (its own routes)   | next (handlers check the id) |
 * | device                 | a role                      | 403 forbidden              |
 * | none / wrong           | any                         | 401                        |
 */
export function authMiddleware(deps: AuthDeps): RequestHandler {
  return async (req, res, next) => {
    const principal = await resolveActingFor(await authenticateApi(req, deps), req, deps.apiTokens);
    res.locals.principal = principal;
    const path = req.originalUrl.split('?')[0]!;
    const route = matchRoute(req.method, path);
    if (deps.audit) auditOnFinish(deps.audit, { req, res, principal, route, path, nowMs: deps.nowMs() });
    const need = route?.need ?? 'admin';
    if (!mayCall(callerOf(principal), need)) {
      throw new ProblemError(
        'forbidden',
        principal.kind === 'device'
          ? 'this route needs an API token, not a device token'
          : need === 'device'
            ? 'this route needs a device token or an admin token'
            : `this route needs the ${need} role`,
      );
    }
    next();
  };
}
