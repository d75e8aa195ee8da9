import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { InfluxDB } from 'influx';
import { readRecentIncidents, type DeviceRegistry } from '../store/index.ts';
import type { ApiCall } from './api-client.ts';
import { maintenanceBody } from './core/maintenance-form.ts';
import { renderIncidents } from './render/incidents.ts';
import { renderMaintenance } from './render/maintenance.ts';
import { REPORT_PERIODS, renderReportsForm } from './render/reports.ts';
import type { Session } from './session.ts';

type Authed = Request & { session?: Session };
type Mw = (req: Authed, res: Response, next: NextFunction) => unknown;

/** The report page answer's policy: the report is our own static HTML with inline style, never script. */
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

/** The problem's detail and the fields it names, for the page (the API's answer, never echoed raw). */
function problemText(ans: { status: number; body: unknown }): string {
  const b = ans.body as { detail?: unknown; errors?: Array<{ path?: unknown; message?: unknown }> } | undefined;
  const detail = typeof b?.detail === 'string' ? b.detail : `status ${ans.status}`;
  const fields = Array.isArray(b?.errors) ? b.errors.map((e) => `${String(e.path)}: ${String(e.message)}`) : [];
  return fields.length > 0 ? `${detail} (${fields.join('; ')})` : detail;
}

/** Who did it, as the events API records it: the signed-in token's identity. */
const who = (s: Session) => s.role;

/**
 * Incidents (list; silence a link for 1 h or a device until a time; acknowledge through the `ack`
 * hook, alerting's acknowledgement), maintenance (one-off and weekly windows: create, list, end)
 * and reports (device or fleet, period, HTML or CSV).
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
    /** Acknowledges an open incident (alerting's `POST /incidents/{id}/ack`); throws with the reason when refused. */
    ack?: (incidentId: string, deviceId: string, by: string) => Promise<void>;
  },
): void {
  const { form, requireSession, requireCsrf } = d;
  const incidentsPage = async (
    req: Authed,
    res: Response,
    status: number,
    note: { error?: string; notice?: string },
  ) => {
    const t = d.nowMs();
    let error = note.error;
    const incidents = await readRecentIncidents(d.influx, { fromMs: t - 7 * 86_400_000, toMs: t, limit: 500 }).catch(
      (err: unknown) => {
        error = `Incidents could not be read from InfluxDB: ${(err as Error).message}`;
        return [];
      },
    );
    res
      .status(status)
      .type('html')
      .send(renderIncidents({ incidents, nowMs: t, error, notice: note.notice, canAck: !!d.ack }, req.session!));
  };
  r.get('/incidents', requireSession, (req: Authed, res) => incidentsPage(req, res, 200, {}));
  r.post('/incidents/silence', form, requireSession, requireCsrf, async (req: Authed, res) => {
    const b = req.body as Record<string, string | undefined>;
    const t = d.nowMs();
    const until = b.until ? Date.parse(`${b.until}Z`) : t + 3600_000;
    const ans = await d.api('POST', '/silences', {
      deviceId: b.deviceId || null,
      iface: b.until ? null : b.iface || null,
      startMs: t,
      endMs: Number.isFinite(until) ? until : null,
      comment: 'silenced from the incidents list',
      createdBy: 'console',
    });
    if (ans.status >= 400) return incidentsPage(req, res, 422, { error: `Not silenced: ${problemText(ans)}` });
    res.redirect(303, '/maintenance');
  });
  r.post('/incidents/ack', form, requireSession, requireCsrf, async (req: Authed, res) => {
    const b = req.body as Record<string, string | undefined>;
    if (!d.ack) return void res.status(501).type('text/plain').send('acknowledgement is not available');
    if (!b.incidentId || !b.deviceId)
      return void res.status(422).type('text/plain').send('incidentId or deviceId missing');
    try {
      await d.ack(b.incidentId, b.deviceId, who(req.session!));
    } catch (err) {
      return incidentsPage(req, res, 422, { error: `Not acknowledged: ${(err as Error).message}` });
    }
    res.redirect(303, '/incidents');
  });

  const maintenancePage = async (req: Authed, res: Response, status: number, error?: string) => {
    const [silences, devices] = await Promise.all([d.registry.silences(), d.registry.devices()]);
    res
      .status(status)
      .type('html')
      .send(renderMaintenance({ silences, devices, nowMs: d.nowMs(), error }, req.session!));
  };
  r.get('/maintenance', requireSession, (req: Authed, res) => maintenancePage(req, res, 200));
  r.post('/maintenance', form, requireSession, requireCsrf, async (req: Authed, res) => {
    const body = maintenanceBody(req.body as Record<string, string | string[] | undefined>, d.nowMs(), 'console');
    const ans = await d.api('POST', '/silences', body);
    if (ans.status >= 400) return maintenancePage(req, res, 422, problemText(ans));
    res.redirect(303, '/maintenance');
  });
  r.post('/maintenance/:id/end', form, requireSession, requireCsrf, async (req, res) => {
    await d.api('DELETE', `/silences/${encodeURIComponent(req.params.id as string)}`);
    res.redirect(303, '/maintenance');
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
