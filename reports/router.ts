import { Router, type Response } from 'express';
import { z } from 'zod';
import { ProblemError, deviceIdSchema } from '../contract/index.ts';
import { reportTargetSchema, type ReportTargets, type TargetScope } from './adapters/report-targets.ts';
import { parsePeriodQuery } from './period.ts';
import { deviceCsv, fleetCsv } from './render/csv.ts';
import { deviceHtml, fleetHtml } from './render/html.ts';
import type { UptimeService } from './uptime-service.ts';

/** Answers a report in its format (CSV as a download, no caching). */
export function sendReport(
  res: Response,
  format: 'json' | 'csv' | 'html',
  name: string,
  body: { json: () => unknown; csv: () => string; html: () => string },
) {
  res.setHeader('Cache-Control', 'no-store');
  if (format === 'csv') {
    res.type('text/csv; charset=utf-8; header=present');
    res.setHeader('Content-Disposition', `attachment; filename="${name}.csv"`);
    res.send(body.csv());
  } else if (format === 'html') {
    res.type('text/html; charset=utf-8');
    res.send(body.html());
  } else {
    res.json(body.json());
  }
}

/**
 * `GET /devices/:id/uptime?from=&to=[&format=json|csv|html][&tz=]` and `GET /uptime?from=&to=[&format=][&tz=]`
 * (fleet). Mounted under /api/v1 behind the admin token; errors are thrown as ProblemError.
 */
export function uptimeHttpApi(service: UptimeService, nowMs: () => number): Router {
  const r = Router();
  r.get('/devices/:id/uptime', async (req, res) => {
    const id = deviceIdSchema.safeParse(req.params.id);
    if (!id.success) throw new ProblemError('not_found', `no device "${String(req.params.id)}"`);
    const p = parsePeriodQuery(req.query, nowMs(), await service.timeZoneOf(id.data));
    const report = await service.device(id.data, p.fromMs, p.toMs, p.timeZone);
    const name = `uptime-${id.data}-${new Date(p.fromMs).toISOString().slice(0, 10)}`;
    sendReport(res, p.format, name, {
      json: () => report,
      csv: () => deviceCsv(report),
      html: () => deviceHtml(report),
    });
  });
  r.get('/uptime', async (req, res) => {
    const p = parsePeriodQuery(req.query, nowMs());
    const report = await service.fleet(p.fromMs, p.toMs);
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

const SCOPES = new Map<string, TargetScope>([
  ['devices', 'device'],
  ['sites', 'site'],
]);
const targetIdSchema = z.string().min(1).max(128);

function scopeOf(raw: string, id: string): TargetScope {
  const scope = SCOPES.get(raw);
  if (!scope || !targetIdSchema.safeParse(id).success) throw new ProblemError('not_found', `no target scope "${raw}"`);
  return scope;
}

/**
 * The SLA target and IANA time zone per device or site (docs/reports.md, "SLA and time zone"):
 * `GET /report-targets`, `PUT|DELETE /report-targets/devices/:id` and `/report-targets/sites/:site`.
 */
export function reportTargetsHttpApi(targets: ReportTargets): Router {
  const r = Router();
  r.get('/report-targets', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ targets: await targets.all() });
  });
  r.put('/report-targets/:scope/:id', async (req, res) => {
    const scope = scopeOf(req.params.scope, req.params.id);
    const parsed = reportTargetSchema.safeParse(req.body ?? {});
    if (!parsed.success)
      throw new ProblemError(
        'validation_failed',
        'invalid report target',
        parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message })),
      );
    await targets.set(scope, req.params.id, parsed.data);
    res.json({ scope, id: req.params.id, ...parsed.data });
  });
  r.delete('/report-targets/:scope/:id', async (req, res) => {
    const scope = scopeOf(req.params.scope, req.params.id);
    if (!(await targets.remove(scope, req.params.id)))
      throw new ProblemError('not_found', `no report target for ${scope} "${req.params.id}"`);
    res.status(204).end();
  });
  return r;
}
