import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { DeviceRegistry } from '../store/index.ts';
import type { ApiCall } from './api-client.ts';
import { renderAdmin, type ReceiverList } from './render/admin.ts';
import type { NewToken, TokenList } from './render/tokens.ts';
import type { Session } from './session.ts';

type Req = Request & { session?: Session };
type Mw = (req: Req, res: Response, next: NextFunction) => unknown;

const problemText = (body: unknown, status: number) =>
  (body as { detail?: string; title?: string } | undefined)?.detail ?? `refused (status ${status})`;

/**
 * Admin: add and remove devices through the devices API (the token is shown once, never stored
 * here), receivers through the receivers API (`POST /receivers`, `DELETE /receivers/:name`) and API
 * tokens through the tokens API (the new token shown once).
 */
export function addAdminPages(
  r: Router,
  d: { registry: DeviceRegistry; api: ApiCall; form: RequestHandler; requireSession: Mw; requireCsrf: Mw },
): void {
  const { form, requireSession, requireCsrf } = d;
  const receivers = async (): Promise<ReceiverList | undefined> => {
    const ans = await d.api('GET', '/receivers').catch(() => undefined);
    return ans?.status === 200 ? (ans.body as ReceiverList) : undefined;
  };
  const tokens = async (): Promise<TokenList | undefined> => {
    const ans = await d.api('GET', '/tokens').catch(() => undefined);
    return ans?.status === 200 ? (ans.body as TokenList) : undefined;
  };
  type Extra = { error?: string; added?: Parameters<typeof renderAdmin>[0]['added']; createdToken?: NewToken };
  const page = async (req: Req, extra: Extra = {}) => {
    const [devices, rx, tk] = await Promise.all([d.registry.devices(), receivers(), tokens()]);
    return renderAdmin({ devices, receivers: rx, tokens: tk, ...extra }, req.session!);
  };
  r.post('/admin/tokens', form, requireSession, requireCsrf, async (req: Req, res) => {
    const b = req.body as Record<string, string | undefined>;
    const ans = await d.api('POST', '/tokens', { name: b.name ?? '', role: b.role ?? '' });
    if (ans.status !== 201)
      return void res
        .status(422)
        .type('html')
        .send(await page(req, { error: problemText(ans.body, ans.status) }));
    const t = ans.body as NewToken;
    res
      .status(201)
      .type('html')
      .send(await page(req, { createdToken: { name: t.name, role: t.role, token: t.token } }));
  });
  r.post('/admin/tokens/:id/revoke', form, requireSession, requireCsrf, async (req: Req, res) => {
    const ans = await d.api('DELETE', `/tokens/${encodeURIComponent(req.params.id as string)}`);
    if (ans.status !== 204)
      return void res
        .status(ans.status === 404 ? 404 : 422)
        .type('html')
        .send(await page(req, { error: problemText(ans.body, ans.status) }));
    res.redirect(303, '/admin#tokens');
  });
  r.get('/admin', requireSession, async (req: Req, res) => {
    res.type('html').send(await page(req));
  });
  r.post('/admin/receivers', form, requireSession, requireCsrf, async (req: Req, res) => {
    const b = req.body as Record<string, string | undefined>;
    // Only the fields filled in: each receiver type takes its own (the API names a wrong one).
    const receiver: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const k of ['type', 'name', 'url', 'secret', 'botToken', 'chatId', 'routingKey'])
      if (typeof b[k] === 'string' && b[k] !== '') receiver[k] = b[k];
    const ans = await d.api('POST', '/receivers', { ...receiver });
    if (ans.status !== 201)
      return void res
        .status(ans.status === 403 ? 403 : 422)
        .type('html')
        .send(await page(req, { error: problemText(ans.body, ans.status) }));
    res.redirect(303, '/admin#receivers');
  });
  r.post('/admin/receivers/:name/remove', form, requireSession, requireCsrf, async (req: Req, res) => {
    const ans = await d.api('DELETE', `/receivers/${encodeURIComponent(req.params.name as string)}`);
    if (ans.status !== 204)
      return void res
        .status(ans.status === 404 ? 404 : 422)
        .type('html')
        .send(await page(req, { error: problemText(ans.body, ans.status) }));
    res.redirect(303, '/admin#receivers');
  });
  r.post('/admin/devices', form, requireSession, requireCsrf, async (req: Req, res) => {
    const b = req.body as Record<string, string | undefined>;
    const ans = await d.api('POST', '/devices', {
      id: b.id ?? '',
      ...(b.name ? { name: b.name } : {}),
      ...(b.site ? { site: b.site } : {}),
    });
    if (ans.status !== 201) {
      return void res
        .status(ans.status === 409 ? 409 : 422)
        .type('html')
        .send(await page(req, { error: problemText(ans.body, ans.status) }));
    }
    const { id, token } = ans.body as { id: string; token: string };
    const serverUrl = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    res
      .status(201)
      .type('html')
      .send(await page(req, { added: { id, token, serverUrl } }));
  });
  r.post('/admin/devices/:id/remove', form, requireSession, requireCsrf, async (req, res) => {
    await d.api('DELETE', `/devices/${encodeURIComponent(req.params.id as string)}`);
    res.redirect(303, '/admin');
  });
}
