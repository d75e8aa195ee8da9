import { Router, type Request } from 'express';
import { z } from 'zod';
import { ProblemError, deviceIdSchema, issuesToErrors } from '../contract/index.ts';
import {
  MAX_LINK_LIFETIME_MS,
  SHARE_PREFIX,
  linkMaker,
  sharedUptimePath,
  signLink,
  verifyLink,
  type SharedReport,
} from '../store/index.ts';
import { parsePeriodQuery } from './period.ts';
import { deviceCsv, fleetCsv } from './render/csv.ts';
import { deviceHtml, fleetHtml } from './render/html.ts';
import { sendReport } from './router.ts';
import type { UptimeService } from './uptime-service.ts';

export const DEFAULT_SHARE_LIFETIME_MS = 7 * 86_400_000;

/** `30m`, `12h`, `7d` → ms; undefined for anything else. */
export function lifetimeMs(s: string): number | undefined {
  const m = /^(\d{1,4})(m|h|d)$/.exec(s.trim());
  if (!m) return undefined;
  return Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
}

export const shareLinkSchema = z.strictObject({
  /** One device's report; null or absent: the fleet's. */
  deviceId: deviceIdSchema.nullable().optional(),
  from: z.string().max(64).optional(),
  to: z.string().max(64).optional(),
  format: z.enum(['html', 'csv']).optional(),
  tz: z.string().max(64).optional(),
  expiresIn: z
    .string()
    .max(8)
    .refine((s) => (lifetimeMs(s) ?? 0) > 0 && lifetimeMs(s)! <= MAX_LINK_LIFETIME_MS, {
      message: 'a lifetime like 30m, 12h or 7d, at most 90d',
    })
    .optional(),
});
export type ShareLinkRequest = z.infer<typeof shareLinkSchema>;

export interface ShareLink {
  /** Path and signed query (always). */
  path: string;
  /** The absolute link, or null without a public base URL (WANWATCH_PUBLIC_URL). */
  url: string | null;
  expiresAt: string;
}

/**
 * A share link of one device's or the fleet's uptime report: the request is validated as the
 * report itself would be (times, zone, a registered device), so a link never opens onto an error.
 */
export async function makeShareLink(
  deps: { service: UptimeService; linkKey: () => Promise<Buffer>; publicUrl: string | null },
  body: unknown,
  nowMs: number,
): Promise<ShareLink> {
  const parsed = shareLinkSchema.safeParse(body ?? {});
  if (!parsed.success)
    throw new ProblemError('validation_failed', 'invalid share link', issuesToErrors(parsed.error.issues));
  const { deviceId = null, expiresIn, ...query } = parsed.data;
  const zone = deviceId === null ? 'UTC' : await deps.service.timeZoneOf(deviceId);
  parsePeriodQuery(query, nowMs, zone);
  const expMs = nowMs + (expiresIn ? lifetimeMs(expiresIn)! : DEFAULT_SHARE_LIFETIME_MS);
  const report: SharedReport = { deviceId, ...query };
  const key = await deps.linkKey();
  const path = signLink(
    key,
    sharedUptimePath(deviceId),
    Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined),
    expMs,
  );
  const url = deps.publicUrl ? linkMaker(deps.publicUrl, key).report(report, expMs) : null;
  return { path, url, expiresAt: new Date(Math.floor(expMs / 1000) * 1000).toISOString() };
}

/** `POST /share-links` (under /api/v1, behind a token that may write). */
export function shareLinksHttpApi(deps: Parameters<typeof makeShareLink>[0] & { nowMs: () => number }): Router {
  const r = Router();
  r.post('/share-links', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json(await makeShareLink(deps, req.body, deps.nowMs()));
  });
  return r;
}

/** Throws the link's problem unless the request's path and whole query carry a valid signature. */
async function checkLink(req: Request, linkKey: () => Promise<Buffer>, nowMs: number): Promise<URLSearchParams> {
  const u = new URL(req.originalUrl, 'http://link.invalid');
  const verdict = verifyLink(await linkKey(), u.pathname, u.searchParams, nowMs);
  if (!verdict.ok)
    throw new ProblemError(
      verdict.code,
      verdict.code === 'link_expired' ? 'this share link has expired' : 'this link does not open this page',
    );
  u.searchParams.delete('sig');
  u.searchParams.delete('exp');
  return u.searchParams;
}

/**
 * The shared uptime reports, opened by a signed link alone (docs/reports.md, "Share links"):
 * `GET /share/devices/:id/uptime` and `GET /share/uptime`, HTML (default) or CSV. No token is
 * read here: a link opens exactly the path and query it was signed for, until it expires.
 */
export function sharedReportsPages(deps: {
  service: UptimeService;
  linkKey: () => Promise<Buffer>;
  nowMs: () => number;
}): Router {
  const r = Router();
  r.use(SHARE_PREFIX, (_req, res, next) => {
    // The signature is in the URL: it must not leak to other sites or caches.
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Robots-Tag', 'noindex');
    next();
  });
  r.get(`${SHARE_PREFIX}/devices/:id/uptime`, async (req, res) => {
    const nowMs = deps.nowMs();
    const query = Object.fromEntries(await checkLink(req, deps.linkKey, nowMs));
    const id = deviceIdSchema.safeParse(req.params.id);
    if (!id.success) throw new ProblemError('not_found', 'no such device');
    const p = parsePeriodQuery({ format: 'html', ...query }, nowMs, await deps.service.timeZoneOf(id.data));
    const report = await deps.service.device(id.data, p.fromMs, p.toMs, p.timeZone);
    const name = `uptime-${id.data}-${new Date(p.fromMs).toISOString().slice(0, 10)}`;
    sendReport(res, p.format, name, {
      json: () => report,
      csv: () => deviceCsv(report),
      html: () => deviceHtml(report),
    });
  });
  r.get(`${SHARE_PREFIX}/uptime`, async (req, res) => {
    const nowMs = deps.nowMs();
    const query = Object.fromEntries(await checkLink(req, deps.linkKey, nowMs));
    const p = parsePeriodQuery({ format: 'html', ...query }, nowMs);
    const report = await deps.service.fleet(p.fromMs, p.toMs);
    const name = `uptime-fleet-${new Date(p.fromMs).toISOString().slice(0, 10)}`;
    const zone = p.timeZone ?? 'UTC';
    sendReport(res, p.format, name, {
      json: () => report,
      csv: () => fleetCsv(report),
      html: () => fleetHtml(report, zone),
    });
  });
  return r;
}
