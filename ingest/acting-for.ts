import { ACTING_FOR_HEADER, ProblemError } from '../contract/index.ts';
import { redisOp } from '../store/index.ts';
import type { ApiTokenStore } from './api-tokens.ts';
import { ENV_ADMIN_ID, ENV_VIEWER_ID } from './audit.ts';
import type { Principal } from './principal.ts';

/** What a request's acting-for header asks for, before any lookup. */
export type ActingFor = { self: true } | { principal: Principal } | { tokenId: string };

/** True for an IPv4 loopback address (also as IPv6-mapped) or ::1. */
export const isLoopback = (address: string | undefined): boolean =>
  address !== undefined && (/^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(address) || address === '::1');

/**
 * Whom a request acts for. The console's loopback calls carry the admin token and the signed-in
 * person in the header; the person's role then governs access and the audit row names them. Pure.
 *
 * | caller          | from loopback | header               | acts for                      |
 * |-----------------|---------------|----------------------|-------------------------------|
 * | env admin token | yes           | absent or empty      | itself                        |
 * | env admin token | yes           | `env-admin`          | the env admin                 |
 * | env admin token | yes           | `env-viewer`         | an env viewer                 |
 * | env admin token | yes           | an API token's id    | that token (looked up)        |
 * | env admin token | no            | any                  | itself (header ignored)       |
 * | anyone else     | any           | any                  | itself (header ignored)       |
 */
export function actingFor(caller: Principal, remoteAddress: string | undefined, header: unknown): ActingFor {
  if (caller.kind !== 'admin' || !isLoopback(remoteAddress)) return { self: true };
  if (typeof header !== 'string' || header === '') return { self: true };
  if (header === ENV_ADMIN_ID) return { principal: { kind: 'admin' } };
  if (header === ENV_VIEWER_ID) return { principal: { kind: 'viewer' } };
  return { tokenId: header };
}

/**
 * The principal a request acts for: the caller, or the person the console names. A named token
 * that no longer exists (revoked) is refused as an invalid token, so a revoked person's console
 * session can write nothing even before the console notices.
 */
export async function resolveActingFor(
  caller: Principal,
  req: { headers: Record<string, unknown>; socket?: { remoteAddress?: string | undefined } },
  tokens: ApiTokenStore | undefined,
): Promise<Principal> {
  const a = actingFor(caller, req.socket?.remoteAddress, req.headers[ACTING_FOR_HEADER]);
  if ('self' in a) return caller;
  if ('principal' in a) return a.principal;
  const token = tokens && (await redisOp('reading an API token', () => tokens.find(a.tokenId)));
  if (!token) throw new ProblemError('invalid_token', 'the person the console acts for has no token any more');
  return { kind: 'token', token };
}
