import { createAckHttpApi } from './ack-router.ts';
import { createReceiversHttpApi } from './receivers/router.ts';
import type { SetupStore } from './receivers/setup-store.ts';
import express, { Router } from 'express';
import type { InfluxDB } from 'influx';
import { z } from 'zod';
import { ProblemError, decodeTagValue, encodeTagValue, issuesToErrors } from '../contract/index.ts';
import { M, NOTIFICATION_STATUSES, RP, TAG, activeAt } from '../store/index.ts';
import { createSilenceSchema, newSilence } from './silence-input.ts';
import type { AlertStore } from './adapters/store.ts';
import type { QualityThresholds } from './core/quality.ts';
import { mountQualityOverrideRoutes } from './quality-router.ts';

/** `deviceId` names the device as the answer and the silences do; `device` is its older spelling, still accepted. */
const notificationsQuerySchema = z
  .strictObject({
    status: z.enum(NOTIFICATION_STATUSES).optional(),
    deviceId: z.string().min(1).max(64).optional(),
    device: z.string().min(1).max(64).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .refine((q) => q.device === undefined || q.deviceId === undefined || q.device === q.deviceId, {
    path: ['deviceId'],
    message: 'deviceId and device name different devices',
  })
  .transform(({ device, deviceId, ...rest }) => ({ ...rest, device: deviceId ?? device }));

const quarantineQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

/** One piece of work alerting set aside (see docs/alerts.md, "Faults and guarantees"). */
export interface QuarantineItem {
  /** `job`: a BullMQ job that failed for good; `device_events` / `group`: a record or alert group quarantined. */
  kind: 'job' | 'device_events' | 'group';
  /** For `job`: events | timers | notify. */
  queue: string | null;
  jobId: string | null;
  deviceId: string | null;
  error: string;
  attempts: number;
  atMs: number;
  /** The quarantined record or group (JSON, at most 4 KiB). */
  subject?: string;
}

/**
 * `POST|GET|DELETE /silences`, `GET /notifications` and `GET /alerting/quarantine`; mounted under /api/v1 behind admin auth.
 * Errors are thrown as ProblemError and rendered by ingest's error handler.
 */
export function createAlertingHttpApi(deps: {
  store: AlertStore;
  influx: InfluxDB;
  nowMs: () => number;
  quarantine: (limit: number) => Promise<QuarantineItem[]>;
  receivers: SetupStore;
  qualityDefaults?: QualityThresholds | null;
}): Router {
  const r = Router();
  r.use(createReceiversHttpApi(deps.receivers));
  r.use(createAckHttpApi(deps));
  r.use(express.json({ limit: '16kb' }));
  mountQualityOverrideRoutes(r, { store: deps.store, qualityDefaults: deps.qualityDefaults ?? null });

  r.post('/silences', async (req, res) => {
    const parsed = createSilenceSchema.safeParse(req.body ?? {});
    if (!parsed.success)
      throw new ProblemError('validation_failed', 'invalid silence', issuesToErrors(parsed.error.issues));
    const silence = newSilence(parsed.data, deps.nowMs());
    await deps.store.putSilence(silence);
    res.status(201).json(silence);
  });

  r.get('/silences', async (req, res) => {
    const now = deps.nowMs();
    const active = req.query.active === 'true' || req.query.active === '1';
    const all = (await deps.store.silences())
      .filter((s) => !active || activeAt(s, now))
      .sort((a, b) => a.startMs - b.startMs);
    res.json({ silences: all });
  });

  r.delete('/silences/:id', async (req, res) => {
    if (!(await deps.store.deleteSilence(req.params.id)))
      throw new ProblemError('not_found', `silence ${req.params.id} not found`);
    res.status(204).end();
  });

  r.get('/notifications', async (req, res) => {
    const parsed = notificationsQuerySchema.safeParse(req.query);
    if (!parsed.success)
      throw new ProblemError('invalid_query', 'invalid notifications query', issuesToErrors(parsed.error.issues));
    const q = parsed.data;
    const where: string[] = [];
    if (q.status) where.push(`"${TAG.status}" = '${q.status}'`); // enum-checked above
    if (q.device) where.push(`"${TAG.device}" = $device`);
    const sql = `SELECT * FROM "${RP.forever}"."${M.notification}"${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY time DESC LIMIT ${q.limit ?? 100}`;
    let rows: Array<Record<string, unknown>>;
    try {
      const placeholders: Record<string, string> = q.device ? { device: encodeTagValue(q.device) } : {};
      rows = (await deps.influx.query(sql, { placeholders })) as unknown as Array<Record<string, unknown>>;
    } catch (err) {
      throw new ProblemError('influx_unavailable', `reading notifications failed: ${(err as Error).message}`);
    }
    res.json({
      notifications: rows.map((row) => ({
        time: new Date(row.time as Date).toISOString(),
        deviceId: decodeTagValue(String(row.device ?? '')),
        status: row.status,
        notificationId: row.notification_id,
        incidentId: row.incident_id,
        recipients: String(row.recipients ?? '')
          .split(',')
          .filter(Boolean),
        subject: row.subject,
        attempt: row.attempt,
        error: row.error || null,
        messageId: row.message_id,
      })),
    });
  });
  r.get('/alerting/quarantine', async (req, res) => {
    const parsed = quarantineQuerySchema.safeParse(req.query);
    if (!parsed.success)
      throw new ProblemError('invalid_query', 'invalid quarantine query', issuesToErrors(parsed.error.issues));
    let items: QuarantineItem[];
    try {
      items = await withTimeout(deps.quarantine(parsed.data.limit ?? 100), 5_000);
    } catch (err) {
      throw new ProblemError('redis_unavailable', `reading the quarantine failed: ${(err as Error).message}`);
    }
    res.json({ quarantined: items.map((i) => ({ ...i, time: new Date(i.atMs).toISOString() })) });
  });
  return r;
}

/** Redis commands wait for a reconnect; an API answer must not. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
