/**
 * The admin API as the e2e tests of token roles call it: any route with any bearer token, and API
 * tokens of each role made with the admin token. Test support only.
 */
import assert from 'node:assert/strict';
import type { Role } from '../ingest/access-policy.ts';

export interface ApiAnswer {
  status: number;
  /** The Content-Type header ('' when none). */
  type: string;
  /** The parsed body when it is JSON, else empty. */
  body: { code?: string } & Record<string, unknown>;
}

export interface MadeToken {
  id: string;
  /** The secret, shown once at creation. */
  token: string;
  role: Role;
  name: string;
}

export interface TokenClient {
  /** One request with `Authorization: Bearer <token>` and a JSON body (none for GET/HEAD); 10 s at most. */
  call(
    method: string,
    path: string,
    token: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiAnswer>;
  /** Makes an API token with the admin token (POST /api/v1/tokens); asserts it was created. */
  newToken(role: Role, name: string): Promise<MadeToken>;
}

/**
 * A client of the backend at `base()` (read at each call, so it can be made before the backend
 * starts). Holds no connection of its own: nothing to stop.
 */
export function tokenClient(base: () => string, adminToken: string): TokenClient {
  const call: TokenClient['call'] = async (method, path, token, body, headers = {}) => {
    const res = await fetch(base() + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      ...(method === 'GET' || method === 'HEAD' ? {} : { body: JSON.stringify(body ?? {}) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, type, body: text && /json/.test(type) ? JSON.parse(text) : {} };
  };
  return {
    call,
    async newToken(role, name) {
      const r = await call('POST', '/api/v1/tokens', adminToken, { role, name });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body as unknown as MadeToken;
    },
  };
}
