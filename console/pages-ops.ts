import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { InfluxDB } from 'influx';
import { readRecentIncidents, type DeviceRegistry } from '../store/index.ts';
import type { ApiCall } from './api-client.ts';
import { renderIncidents } from './render/incidents.ts';
import { REPORT_PERIODS, renderReportsForm } from './render/reports.ts';
import type { Session } from './session.ts';

type Mw = (req: Request & { session?: Session }, res: Response, next: NextFunction) => unknown;

/** The report page answer's policy: the report is our own static HTML with inline style, never script. */
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

/**
 * Incidents (list, silence from the list; acknowledgement through the `ack` hook once alerting
 * offers it, issue #17) and reports (device or fleet, period, HTML or CSV).
 */
export function addOpsPages(
  r: Router,
  d: {
    influx: InfluxDB;
    registry: DeviceRegistry;
    api: ApiCall;
    nowMs: () => number;
    form: RequestHandler;
    requireSession: Mw;
    requireCsrf: Mw;
    /** Acknowledges an incident: the hook for alerting's acknowledgement (issue #17); absent until then. */
    ack?: (incidentId: string, by: string) => Promise<void>;
  },
): void {
  const { form, requireSession, requireCsrf } = d;
  r.get('/incidents', requireSession, async (req: Request & { session?: Session }, res) => {
    const t = d.nowMs();
    let error: string | undefined;
    const incidents = await readRecentIncidents(d.influx, { fromMs: t - 7 * 86_400_000, toMs: t, limit: 500 }).catch(
      (err: unknown) => {
        error = `Incidents could not be read from InfluxDB: ${(err as Error).message}`;
        return [];
      },
    );
    res.type('html').send(renderIncidents({ incidents, nowMs: t, error, canAck: !!d.ack }, req.session!));
  });
  r.post('/incidents/silence', form, requireSession, requireCsrf, async (req, res) => {
    const b = req.body as Record<string, string | undefined>;
    const t = d.nowMs();
    const ans = await d.api('POST', '/silences', {
      deviceId: b.deviceId || null,
      iface: b.iface || null,
      startMs: t,
      endMs: t + 3600_000,
      comment: 'silenced from the incidents list',
      createdBy: 'console',
    });
    if (ans.status >= 400) return void res.status(422).type('text/plain').send('the silence was refused');
    res.redirect(303, '/maintenance');
  });
  r.post('/incidents/ack', form, requireSession, requireCsrf, async (req, res) => {
    const id = (req.body as Record<string, string | undefined>).incidentId;
    if (!d.ack) return void res.status(501).type('text/plain').send('acknowledgement is not available yet');
    if (!id) return void res.status(422).type('text/plain').send('incidentId missing');
    await d.ack(id, 'console');
    res.redirect(303, '/incidents');
  });

  r.get('/reports', requireSession, async (req: Request & { session?: Session }, res) => {
    res.type('html').send(renderReportsForm({ devices: await d.registry.devices() }, req.session!));
  });
  r.get('/reports/view', requireSession, async (req, res) => {
    const device = typeof req.query.device === 'string' ? req.query.device : '';
    const spanMs = REPORT_PERIODS.get(String(req.query.period)) ?? 86_400_000;
    const format = req.query.format === 'csv' ? 'csv' : 'html';
    const t = d.nowMs();
    const path = device ? `/devices/${encodeURIComponent(device)}/uptime` : '/uptime';
    const ans = await d.api('GET', `${path}?from=${t - spanMs}&to=${t}&format=${format}`);
    if (ans.status !== 200 || typeof ans.body !== 'string')
      return void res
        .status(ans.status === 404 ? 404 : 502)
        .type('text/plain')
        .send('the report could not be made');
    if (format === 'csv') {
      const name = `uptime-${(device || 'fleet').replace(/[^A-Za-z0-9._-]/g, '_')}.csv`;
      res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
      return void res.type('text/csv').send(ans.body);
    }
    res.setHeader('Content-Security-Policy', REPORT_CSP);
    res.type('html').send(ans.body);
  });
}
