import { AsyncLocalStorage } from 'node:async_hooks';
import { ACTING_FOR_HEADER } from '../contract/index.ts';

/**
 * The console's way to the other parts' HTTP API (silences, events, uptime): the same process's
 * own API over loopback with the admin token, so every rule those routes keep (validation, problem
 * codes) holds for the console too, and the console imports no other part.
 *
 * Each call acts for the signed-in person (the `x-wanwatch-acting-for` header, contract/acting-for.ts):
 * the API then checks that person's role and its audit log names them, not the admin token. The
 * person comes from `actingFor`, which the session middleware sets around each request's
 * handlers, so the pages need not pass it to every call.
 */
export type ApiCall = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: unknown }>;

/** The signed-in person's token id for the API calls made while handling one request. */
export const actingFor = new AsyncLocalStorage<string>();

export function loopbackApi(baseUrl: () => string, adminToken: string, timeoutMs = 10_000): ApiCall {
  return async (method, path, body) => {
    const person = actingFor.getStore();
    const res = await fetch(`${baseUrl()}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(person ? { [ACTING_FOR_HEADER]: person } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, body: await bodyOf(res) };
  };
}

/** The API's answer to "who is this token": its status, body and Retry-After (seconds) when limited. */
export type WhoAmI = (token: string) => Promise<{ status: number; body: unknown; retryAfterS?: number }>;

/**
 * Asks the API who a presented token is (`GET /api/v1/whoami`, any role) with that token itself,
 * so sign-in accepts exactly the tokens the API accepts, and a wrong one is counted by the API's
 * failed-authentication limits (answering 429 once they bite).
 */
export function loopbackWhoAmI(baseUrl: () => string, timeoutMs = 10_000): WhoAmI {
  return async (token) => {
    const res = await fetch(`${baseUrl()}/api/v1/whoami`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const retryAfter = Number(res.headers.get('retry-after'));
    return {
      status: res.status,
      body: await bodyOf(res),
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterS: retryAfter } : {}),
    };
  };
}

async function bodyOf(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON (an HTML or CSV report): passed on as text.
    return text;
  }
}
