import express, { Router, type Request, type Response } from 'express';
import type { InfluxDB } from 'influx';
import type { Redis } from 'ioredis';
import { ProblemError } from '../contract/index.ts';
import { loadLinkKey, redisKeys, verifyLink } from '../store/index.ts';
import { escapeHtml, formatTime } from '../store/text-format.ts';
import { acknowledgeIncident } from './acknowledge.ts';
import { createRecorder } from './adapters/recorder.ts';
import { createAlertStore, type AlertStore } from './adapters/store.ts';
import { openIncident } from './core/state.ts';

interface LinkAck {
  incidentId: string;
  deviceId: string;
  by: string;
}

/** The incident, device and recipient a signed link names; its problem (403) unless valid now. */
async function checkAckLink(req: Request, linkKey: () => Promise<Buffer>, nowMs: number): Promise<LinkAck> {
  const u = new URL(req.originalUrl, 'http://link.invalid');
  const verdict = verifyLink(await linkKey(), u.pathname, u.searchParams, nowMs);
  if (!verdict.ok)
    throw new ProblemError(
      verdict.code,
      verdict.code === 'link_expired' ? 'this acknowledgement link has expired' : 'this link does not open this page',
    );
  const deviceId = u.searchParams.get('device');
  const by = u.searchParams.get('by');
  if (!deviceId || !by) throw new ProblemError('link_invalid', 'this link names no device or recipient');
  return { incidentId: String(req.params.incidentId), deviceId, by };
}

function page(res: Response, status: number, title: string, body: string): void {
  res.status(status);
  res.setHeader('Cache-Control', 'no-store');
  // The signature is in the URL: it must not leak to other sites; the page runs no script.
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Robots-Tag', 'noindex');
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
  res.type('text/html; charset=utf-8');
  res.send(
    [
      '<!doctype html><html lang="en"><head><meta charset="utf-8">',
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
      `<title>${escapeHtml(title)} · wanwatch</title></head>`,
      '<body style="font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem">',
      `<h1 style="font-size:1.4rem">${escapeHtml(title)}</h1>`,
      body,
      '</body></html>',
    ].join('\n'),
  );
}

/**
 * The acknowledgement links of alert messages (docs/alerts.md, "Acknowledgement links"), opened
 * without a token: `GET /ack/:incidentId?device=&by=&exp=&sig=` only shows a confirmation page
 * (mail scanners and link previews fetch GETs), and the page's button POSTs to the same URL, which
 * acknowledges as the recipient the link was made for, through the API's acknowledgement path.
 *
 * | link | incident | GET | POST |
 * |---|---|---|---|
 * | invalid / expired | – | 403 link_invalid / link_expired | the same |
 * | valid | open, not acknowledged | page with the button | acknowledged (200 page) |
 * | valid | open, acknowledged | "already acknowledged" | "already acknowledged" (recorded once) |
 * | valid | not open | "no longer open" | 404 not_found |
 */
export function createAckLinksRouter(deps: {
  store: AlertStore;
  influx: InfluxDB;
  linkKey: () => Promise<Buffer>;
  nowMs: () => number;
}): Router {
  const r = Router();
  const recorder = createRecorder(deps.influx);
  const status = async (a: LinkAck) => {
    const [state, acks, record] = await Promise.all([
      deps.store.loadState(a.deviceId),
      deps.store.acks(a.deviceId),
      deps.store.deviceRecord(a.deviceId),
    ]);
    const open = openIncident(state, a.incidentId);
    const what = open ? (open.kind === 'link_down' ? `${open.iface} DOWN` : 'device UNREACHABLE') : 'incident';
    const name = record?.name ?? a.deviceId;
    return { open, acked: open !== null && acks.has(open.id), what: `${name}: ${what}` };
  };
  r.get('/ack/:incidentId', async (req, res) => {
    const a = await checkAckLink(req, deps.linkKey, deps.nowMs());
    const s = await status(a);
    if (!s.open) return page(res, 200, 'No longer open', `<p>${escapeHtml(s.what)} is no longer open.</p>`);
    if (s.acked) return page(res, 200, 'Already acknowledged', `<p>${escapeHtml(s.what)} is acknowledged.</p>`);
    page(
      res,
      200,
      'Acknowledge this incident?',
      [
        `<p><strong>${escapeHtml(s.what)}</strong></p>`,
        `<p>Acknowledging as <strong>${escapeHtml(a.by)}</strong> stops the reminders of this incident.</p>`,
        // An empty action posts to this same URL, signature included.
        '<form method="post" action=""><button type="submit" style="font-size:1.1rem;padding:.5rem 1rem">Acknowledge</button></form>',
      ].join('\n'),
    );
  });
  r.post('/ack/:incidentId', express.urlencoded({ extended: false, limit: '1kb' }), async (req, res) => {
    const a = await checkAckLink(req, deps.linkKey, deps.nowMs());
    const s = await status(a);
    if (s.acked) return page(res, 200, 'Already acknowledged', `<p>${escapeHtml(s.what)} is acknowledged.</p>`);
    const ack = await acknowledgeIncident(
      { store: deps.store, recorder, nowMs: deps.nowMs },
      { ...a, comment: 'acknowledged by link' },
    );
    page(
      res,
      200,
      'Acknowledged',
      `<p>${escapeHtml(s.what)} acknowledged by ${escapeHtml(ack.by)} at ${escapeHtml(formatTime(ack.atMs))}.</p>`,
    );
  });
  return r;
}

/** The acknowledgement pages for the host (`pages`, mounted at `/`): own store on the given client, link key from Redis. */
export function createAckLinksPages(deps: {
  influx: InfluxDB;
  redis: Redis;
  redisPrefix: string;
  nowMs?: () => number;
}): Router {
  return createAckLinksRouter({
    store: createAlertStore(deps.redis, deps.redisPrefix),
    influx: deps.influx,
    linkKey: () => loadLinkKey(deps.redis, redisKeys(deps.redisPrefix).linkKey),
    nowMs: deps.nowMs ?? Date.now,
  });
}
