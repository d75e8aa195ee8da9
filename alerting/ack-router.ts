import express, { Router } from 'express';
import type { InfluxDB } from 'influx';
import { z } from 'zod';
import { ProblemError, issuesToErrors } from '../contract/index.ts';
import { createRecorder } from './adapters/recorder.ts';
import type { AlertStore } from './adapters/store.ts';
import { openIncident } from './core/state.ts';

const ackSchema = z.strictObject({
  deviceId: z.string().min(1).max(64),
  by: z.string().min(1).max(100),
  comment: z.string().max(500).optional(),
});

/**
 * `POST /incidents/:incidentId/ack` (docs/alerts.md, "Acknowledgement"): someone is on an open
 * incident (a link down, or the device unreachable), so it gets no reminders; the ack and who
 * gave it are recorded as an incident point (status `acknowledged`) that the events API shows.
 */
export function createAckHttpApi(deps: { store: AlertStore; influx: InfluxDB; nowMs: () => number }): Router {
  const r = Router();
  const recorder = createRecorder(deps.influx);
  r.post('/incidents/:incidentId/ack', express.json({ limit: '16kb' }), async (req, res) => {
    const parsed = ackSchema.safeParse(req.body ?? {});
    if (!parsed.success)
      throw new ProblemError('validation_failed', 'invalid acknowledgement', issuesToErrors(parsed.error.issues));
    const { deviceId, by, comment = '' } = parsed.data;
    const named = String(req.params.incidentId);
    const open = await deps.store.withDeviceLock(deviceId, async () => {
      const found = openIncident(await deps.store.loadState(deviceId), named);
      if (found) await deps.store.putAck(deviceId, found.id, { by, comment, atMs: deps.nowMs() });
      return found;
    });
    if (!open) throw new ProblemError('not_found', `no open incident ${named} on device ${deviceId}`);
    const incidentId = open.id;
    const atMs = deps.nowMs();
    const iface = open.kind === 'link_down' ? open.iface : null;
    try {
      await recorder.ack({ deviceId, incidentId, kind: open.kind, iface, by, comment, atMs });
    } catch (err) {
      throw new ProblemError('influx_unavailable', `recording the acknowledgement failed: ${(err as Error).message}`);
    }
    res.status(201).json({ deviceId, incidentId, kind: open.kind, iface, by, comment, atMs });
  });
  return r;
}
