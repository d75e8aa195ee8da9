import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { InfluxDB } from 'influx';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createDeviceRegistry, readAlertViews, type RedisKeys } from '../store/index.ts';
import { actingFor, type ApiCall, type WhoAmI } from './api-client.ts';
import { signInAnswer } from './sign-in.ts';
import { mayWrite } from './core/console-access.ts';
import { boardRow, compareRows, filterRows } from './core/board.ts';
import { inMaintenance } from './core/maintenance-form.ts';
import { addAdminPages } from './pages-admin.ts';
import { addDevicePage } from './pages-device.ts';
import { addOpsPages } from './pages-ops.ts';
import { createLiveHub, type LiveHub } from './live-hub.ts';
import { renderBoard, renderRow } from './render/board.ts';
import { layout, loginPage } from './render/layout.ts';
import {
  SESSION_COOKIE,
  cookieValue,
  createSessionStore,
  sameSecret,
  sessionCookie,
  signInLinkPath,
  ENV_ADMIN,
  type Session,
  type SignedIn,
} from './session.ts';

export interface ConsoleDeps {
  redis: Redis;
  /** A connection of its own for the pub/sub subscription (closed by `close`). */
  subscriber: Redis;
  keys: RedisKeys;
  adminToken: string;
  api: ApiCall;
  /**
   * Who a presented token is, asked of the API (`GET /api/v1/whoami`): sign-in then accepts every
   * token the API does, with its role. Without it only the admin token signs in.
   */
  whoami?: WhoAmI;
  logger: Logger;
  influx: InfluxDB;
  grafanaUrl?: string;
  nowMs?: () => number;
  /**
   * Acknowledges an open incident of a device, `by` the signed-in identity: alerting's
   * acknowledgement (the backend wires `POST /incidents/{id}/ack`); throws with the reason when
   * refused. Without it the console offers no Acknowledge button.
   */
  ack?: (incidentId: string, deviceId: string, by: string) => Promise<void>;
}

export interface WebConsole {
  router: Router;
  /** A one-time sign-in link's path (`/login/once/<secret>`), valid 15 minutes. */
  signInPath(): Promise<string>;
  close(): Promise<void>;
}

const ASSETS = join(dirname(fileURLToPath(import.meta.url)), 'assets');
const asset = (name: string) => readFileSync(join(ASSETS, name));

/** No inline script or style anywhere, no framing, forms only to us. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  next();
}

type Authed = Request & { session?: Session };

/** The web console's pages: sign-in, fleet board, live stream, device page, maintenance. */
export function createConsole(deps: ConsoleDeps): WebConsole {
  const nowMs = deps.nowMs ?? Date.now;
  const sessions = createSessionStore(deps.redis, deps.keys);
  const registry = createDeviceRegistry(deps.redis, deps.keys);
  const css = asset('console.css');
  const js = asset('console.js');
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 });
  const secure = (req: Request) => req.secure || req.headers['x-forwarded-proto'] === 'https';

  const signIn = async (req: Request, res: Response, who: SignedIn) => {
    const { id } = await sessions.create(who, nowMs());
    res.setHeader('Set-Cookie', sessionCookie(id, secure(req)));
    res.redirect(303, '/');
  };
  const requireSession = async (req: Authed, res: Response, next: NextFunction) => {
    const s = await sessions.read(cookieValue(req.headers.cookie, SESSION_COOKIE));
    if (!s) {
      if (req.method === 'GET') res.redirect(303, '/login');
      else res.status(401).type('text/plain').send('sign in first');
      return;
    }
    req.session = s;
    // The API calls made for this request act for this person (api-client.ts).
    actingFor.run(s.tokenId, next);
  };
  // Every write carries the session's CSRF token (SameSite=Strict is the second fence) and needs
  // the role console-access.ts gives its path, whatever the page showed.
  const requireCsrf = (req: Authed, res: Response, next: NextFunction) => {
    const sent = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (typeof sent !== 'string' || !req.session || !sameSecret(sent, req.session.csrf)) {
      res.status(403).type('text/plain').send('CSRF token missing or wrong');
      return;
    }
    if (!mayWrite(req.session.role, req.path)) {
      const body = `<h1>Not allowed</h1><p>Signed in as a ${req.session.role}, you may not do that.</p>`;
      return void res
        .status(403)
        .type('html')
        .send(layout('Not allowed', body, req.session));
    }
    next();
  };

  const rows = async () => {
    const devices = await registry.devices();
    const ids = devices.map((d) => d.id);
    const [lives, alerts] = await Promise.all([registry.lives(ids), readAlertViews(deps.redis, deps.keys, ids)]);
    const t = nowMs();
    return devices.map((d, i) => boardRow(d, lives[i], t, undefined, alerts[i])).sort(compareRows);
  };

  r.use(
    ['/', '/login', '/logout', '/live', '/device', '/maintenance', '/incidents', '/reports', '/admin', '/assets'],
    securityHeaders,
  );
  r.get('/assets/console.css', (_req, res) => void res.type('text/css').send(css));
  r.get('/assets/console.js', (_req, res) => void res.type('text/javascript').send(js));
  r.get('/login', (_req, res) => void res.type('html').send(loginPage()));
  r.post('/login', form, async (req, res) => {
    const token = (req.body as Record<string, unknown>).token;
    const ans = await signInAnswer(token, deps);
    if ('who' in ans) return signIn(req, res, ans.who);
    if (ans.retryAfterS) res.setHeader('Retry-After', String(ans.retryAfterS));
    res.status(ans.status).type('html').send(loginPage(ans.message));
  });
  r.get('/login/once/:secret', async (req, res) => {
    if (await sessions.useOnce(req.params.secret)) return signIn(req, res, ENV_ADMIN);
    res.status(401).type('html').send(loginPage('That sign-in link was used or has expired.'));
  });
  r.post('/logout', form, requireSession, requireCsrf, async (req, res) => {
    await sessions.end(cookieValue(req.headers.cookie, SESSION_COOKIE));
    res.setHeader('Set-Cookie', sessionCookie('', secure(req), 0));
    res.redirect(303, '/login');
  });

  r.get('/', requireSession, async (req: Authed, res) => {
    const all = await rows();
    const q = typeof req.query.q === 'string' ? req.query.q : undefined;
    const site = typeof req.query.site === 'string' ? req.query.site : undefined;
    const maint = inMaintenance(await registry.silences(), all, nowMs());
    res.type('html').send(renderBoard(filterRows(all, { q, site }), all, { q, site }, nowMs(), req.session!, maint));
  });

  const hub: LiveHub = createLiveHub({
    subscriber: deps.subscriber,
    channel: deps.keys.liveChanges,
    send: async (changed, clients) => {
      const devices = await Promise.all(changed.map((id) => registry.device(id)));
      const found = devices.filter((d) => d !== undefined);
      const ids = found.map((d) => d.id);
      const [lives, alerts, silences] = await Promise.all([
        registry.lives(ids),
        readAlertViews(deps.redis, deps.keys, ids),
        registry.silences(),
      ]);
      const t = nowMs();
      const maint = inMaintenance(silences, found, t);
      // One message per batch: the board patches all its rows in one frame.
      const rowsOut = found.map((d, i) => ({
        id: d.id,
        html: renderRow(boardRow(d, lives[i], t, undefined, alerts[i]), t, maint.has(d.id)),
      }));
      const msg = `event: rows\ndata: ${JSON.stringify(rowsOut)}\n\n`;
      for (const c of clients) c.write(msg);
    },
  });
  r.get('/live', requireSession, (req, res) => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    hub.add(res);
  });

  addDevicePage(r, {
    redis: deps.redis,
    keys: deps.keys,
    registry,
    influx: deps.influx,
    api: deps.api,
    nowMs,
    grafanaUrl: deps.grafanaUrl,
    requireSession,
  });
  addAdminPages(r, { registry, api: deps.api, form, requireSession, requireCsrf });
  addOpsPages(r, {
    influx: deps.influx,
    registry,
    api: deps.api,
    nowMs,
    form,
    requireSession,
    requireCsrf,
    ack: deps.ack,
  });

  return {
    router: r,
    signInPath: async () => signInLinkPath(await sessions.createOnce()),
    close: () => hub.close(),
  };
}
