/**
 * The console's way to the other parts' HTTP API (silences, events, uptime): the same process's
 * own API over loopback with the admin token, so every rule those routes keep (validation, problem
 * codes) holds for the console too, and the console imports no other part.
 */
export type ApiCall = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: unknown }>;

export function loopbackApi(baseUrl: () => string, adminToken: string, timeoutMs = 10_000): ApiCall {
  return async (method, path, body) => {
    const res = await fetch(`${baseUrl()}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON (an HTML or CSV report): passed on as text.
    }
    return { status: res.status, body: parsed };
  };
}
