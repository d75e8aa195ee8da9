import type { WhoAmI } from './api-client.ts';
import { isConsoleRole } from './core/console-access.ts';
import { ENV_ADMIN, sameSecret, type SignedIn } from './session.ts';

/** What the sign-in form gets: a person to start a session for, or the page's status and message. */
export type SignInAnswer = { who: SignedIn } | { status: number; message: string; retryAfterS?: number };

/** Header-safe and bounded: anything else cannot be a token and is not sent to the API. */
const TOKEN_SHAPE = /^[\x21-\x7e]{1,512}$/;

/**
 * Who a presented token signs in as. The API answers (`GET /whoami` with the token itself), so
 * sign-in accepts what the API accepts and its failed-authentication limits count wrong tokens.
 *
 * | API answer                      | sign-in                                              |
 * |---------------------------------|------------------------------------------------------|
 * | 200 with a role                 | that person                                          |
 * | 401, 403 (a device token)       | 401 "That token is not valid."                       |
 * | 429                             | 429 "Too many failed sign-ins", Retry-After passed on |
 * | other, or no answer             | 502 "could not check the token"                      |
 */
export async function signInAnswer(
  token: unknown,
  deps: { adminToken: string; whoami?: WhoAmI },
): Promise<SignInAnswer> {
  const invalid = { status: 401, message: 'That token is not valid.' };
  if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return invalid;
  if (!deps.whoami) return sameSecret(token, deps.adminToken) ? { who: ENV_ADMIN } : invalid;
  const ans = await deps.whoami(token).catch(() => undefined);
  if (ans?.status === 200) {
    const b = ans.body as Partial<SignedIn> | undefined;
    if (isConsoleRole(b?.role) && typeof b.tokenId === 'string' && typeof b.name === 'string')
      return { who: { role: b.role, tokenId: b.tokenId, name: b.name } };
  }
  if (ans?.status === 401 || ans?.status === 403) return invalid;
  if (ans?.status === 429)
    return {
      status: 429,
      message: 'Too many failed sign-ins: try again later.',
      ...(ans.retryAfterS ? { retryAfterS: ans.retryAfterS } : {}),
    };
  return { status: 502, message: 'The token could not be checked: try again.' };
}
