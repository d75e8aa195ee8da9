import { randomBytes } from 'node:crypto';

/** The receiver `wanwatch up --webhook` adds (docs/alerts.md, "Receivers and routes"). */
export const DEMO_WEBHOOK = 'demo-webhook';

/** `--webhook URL`'s problem (an http(s) URL), or undefined when fine. */
export function webhookUrlProblem(url: string): string | undefined {
  try {
    const p = new URL(url).protocol;
    if (p === 'http:' || p === 'https:') return undefined;
  } catch {
    // reported below
  }
  return `--webhook must be an http(s) URL (got "${url}")`;
}

const json = (body: unknown) => JSON.stringify(body);

/** The two API calls that add a webhook receiver and route every alert to it, as shell lines. */
export function webhookCurlLines(apiUrl: string, adminToken: string, url: string, secret: string): string[] {
  const put = (path: string, body: unknown) =>
    `curl -X PUT -H "Authorization: Bearer ${adminToken}" -H 'content-type: application/json' ${apiUrl}${path} -d '${json(body)}'`;
  return [
    put('/api/v1/receivers', { receivers: [{ type: 'webhook', name: DEMO_WEBHOOK, url, secret }] }),
    put('/api/v1/routes', { routes: [], default: [DEMO_WEBHOOK] }),
  ];
}

/**
 * Adds the demo's webhook receiver through the API (what the printed curl lines do): routes are
 * cleared first, so receivers stored by an earlier run cannot block the replacement, then every
 * alert goes to the webhook (emails are unaffected). Returns the signing secret.
 */
export async function addDemoWebhook(apiUrl: string, adminToken: string, url: string, secret?: string) {
  const key = secret ?? randomBytes(18).toString('base64url');
  const put = async (path: string, body: unknown) => {
    const res = await fetch(apiUrl + path, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: json(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`PUT ${path}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  };
  await put('/api/v1/routes', { routes: [], default: [] });
  await put('/api/v1/receivers', { receivers: [{ type: 'webhook', name: DEMO_WEBHOOK, url, secret: key }] });
  await put('/api/v1/routes', { routes: [], default: [DEMO_WEBHOOK] });
  return key;
}
