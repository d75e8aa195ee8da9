import { Router, type Response } from 'express';
import { ProblemError, deviceIdSchema } from '../contract/index.ts';
import { parsePeriodQuery } from './period.ts';
import { deviceCsv, fleetCsv } from './render/csv.ts';
import { deviceHtml, fleetHtml } from './render/html.ts';
import type { UptimeService } from './uptime-service.ts';

function send(
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
 * `GET /devices/:id/uptime?from=&to=[&format=json|csv|html]` and `GET /uptime?from=&to=[&format=]`
 * (fleet). Mounted under /api/v1 behind the admin token; errors are thrown as ProblemError.
 */
export function uptimeRouter(service: UptimeService, nowMs: () => number): Router {
  const r = Router();
  r.get('/devices/:id/uptime', async (req, res) => {
    const id = deviceIdSchema.safeParse(req.params.id);
    if (!id.success) throw new ProblemError('not_found', `no device "${String(req.params.id)}"`);
    const p = parsePeriodQuery(req.query, nowMs());
    const report = await service.device(id.data, p.fromMs, p.toMs);
    const name = `uptime-${id.data}-${new Date(p.fromMs).toISOString().slice(0, 10)}`;
    send(res, p.format, name, { json: () => report, csv: () => deviceCsv(report), html: () => deviceHtml(report) });
  });
  r.get('/uptime', async (req, res) => {
    const p = parsePeriodQuery(req.query, nowMs());
    const report = await service.fleet(p.fromMs, p.toMs);
    const name = `uptime-fleet-${new Date(p.fromMs).toISOString().slice(0, 10)}`;
    send(res, p.format, name, { json: () => report, csv: () => fleetCsv(report), html: () => fleetHtml(report) });
  });
  return r;
}
