import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { DeviceRegistry } from '../store/index.ts';
import type { ApiCall } from './api-client.ts';
import { renderAdmin } from './render/admin.ts';
import type { Session } from './session.ts';

type Req = Request & { session?: Session };
type Mw = (req: Req, res: Response, next: NextFunction) => unknown;

const problemText = (body: unknown, status: number) =>
  (body as { detail?: string; title?: string } | undefined)?.detail ?? `refused (status ${status})`;

/** Admin: add and remove devices through the devices API (the token is shown once, never stored here). */
export function addAdminPages(
  r: Router,
  d: { registry: DeviceRegistry; api: ApiCall; form: RequestHandler; requireSession: Mw; requireCsrf: Mw },
): void {
  const { form, requireSession, requireCsrf } = d;
  r.get('/admin', requireSession, async (req: Req, res) => {
    res.type('html').send(renderAdmin({ devices: await d.registry.devices() }, req.session!));
  });
  r.post('/admin/devices', form, requireSession, requireCsrf, async (req: Req, res) => {
    const b = req.body as Record<string, string | undefined>;
    const ans = await d.api('POST', '/devices', {
      id: b.id ?? '',
      ...(b.name ? { name: b.name } : {}),
      ...(b.site ? { site: b.site } : {}),
    });
    const devices = await d.registry.devices();
    if (ans.status !== 201) {
      return void res
        .status(ans.status === 409 ? 409 : 422)
        .type('html')
        .send(renderAdmin({ devices, error: problemText(ans.body, ans.status) }, req.session!));
    }
    const { id, token } = ans.body as { id: string; token: string };
    const serverUrl = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    res
      .status(201)
      .type('html')
      .send(renderAdmin({ devices, added: { id, token, serverUrl } }, req.session!));
  });
  r.post('/admin/devices/:id/remove', form, requireSession, requireCsrf, async (req, res) => {
    await d.api('DELETE', `/devices/${encodeURIComponent(req.params.id as string)}`);
    res.redirect(303, '/admin');
  });
}
