import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler } from 'express';
import { ProblemError } from '../contract/index.ts';
import type { DeviceRecord } from '../contract/index.ts';
import { timingSafeEqual } from 'node:crypto';
import { secretEquals, sha256, tokenDeviceId } from './device-token.ts';
import type { DeviceStore } from './device-store.ts';

export type Principal = { kind: 'admin' } | { kind: 'device'; deviceId: string; record: DeviceRecord };

export interface AuthDeps {
  adminToken: string;
  store: DeviceStore;
  verifyToken: (token: string, storedHash: string, tokenSha256?: Buffer) => Promise<boolean>;
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

/** Who the bearer token belongs to: the admin, or a device whose token verified against its stored scrypt hash. */
export async function authenticate(req: { headers: IncomingHttpHeaders }, deps: AuthDeps): Promise<Principal> {
  const token = bearerToken(req);
  // One hash of the token serves the constant-time admin comparison and the verified-token cache key.
  const digest = sha256(token);
  if (timingSafeEqual(digest, adminDigest(deps.adminToken))) return { kind: 'admin' };
  const deviceId = tokenDeviceId(token);
  if (!deviceId) throw new ProblemError('invalid_token');
  const record = await deps.store.getForAuth(deviceId);
  if (!record || !(await deps.verifyToken(token, record.tokenHash, digest))) throw new ProblemError('invalid_token');
  return { kind: 'device', deviceId, record };
}

export function principalOf(res: { locals: Record<string, unknown> }): Principal {
  const p = res.locals.principal as Principal | undefined;
  if (!p) throw new ProblemError('missing_token');
  return p;
}

/** Puts the principal in res.locals.principal; `admin` = only the admin token passes. */
export function authMiddleware(deps: AuthDeps, who: 'admin' | 'any'): RequestHandler {
  return async (req, res, next) => {
    if (who === 'admin') {
      if (!secretEquals(bearerToken(req), deps.adminToken)) {
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
