import express, { Router } from 'express';
import type { InfluxDB } from 'influx';
import { z } from 'zod';
import { ProblemError, issuesToErrors } from '../contract/index.ts';
import { acknowledgeIncident } from './acknowledge.ts';
import { createRecorder } from './adapters/recorder.ts';
import type { AlertStore } from './adapters/store.ts';

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
    const ack = await acknowledgeIncident(
      { store: deps.store, recorder, nowMs: deps.nowMs },
      { deviceId, incidentId: String(req.params.incidentId), by, comment },
    );
    res.status(201).json(ack);
  });
  return r;
}
