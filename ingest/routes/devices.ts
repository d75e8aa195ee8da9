import express, { Router } from 'express';
import { z } from 'zod';
import { ProblemError, deviceIdSchema, multiWanV2Schema } from '../../contract/index.ts';
import { nameBudgetsSchema } from '../../store/index.ts';
import type { DeviceRecord, LiveState, NameKind } from '../../store/index.ts';
import { budgetsOf } from '../core/name-budget.ts';
import { authMiddleware, principalOf, type AuthDeps } from '../auth.ts';
import { parseBody } from '../validate.ts';
import type { DeviceStore } from '../device-store.ts';

export const newDeviceSchema = z.strictObject({
  id: deviceIdSchema,
  name: z.string().min(1).max(200).optional(),
  site: z.string().max(200).nullable().optional(),
  notificationEmails: z.array(z.email()).max(50).optional(),
});

export interface DevicesApiDeps {
  auth: AuthDeps;
  store: DeviceStore;
  nowMs: () => number;
  onDeviceChanged?: (deviceId: string) => void;
}

/** Body of PUT /devices/:id/budgets: the kinds given replace the defaults; an empty object restores them. */
export const nameBudgetsBodySchema = nameBudgetsSchema.partial();

/** Per kind: the budget and how many distinct names the device has used. */
export function budgetView(record: DeviceRecord, used: Record<NameKind, number>) {
  const b = budgetsOf(record);
  return {
    iface: { limit: b.iface, used: used.iface },
    target: { limit: b.target, used: used.target },
    policy: { limit: b.policy, used: used.policy },
  };
}

/** A device as the API shows it: never the token hash. */
export function deviceView(record: DeviceRecord, live: LiveState | undefined, full = false) {
  return {
    id: record.id,
    name: record.name,
    site: record.site,
    notificationEmails: record.notificationEmails,
    createdAtMs: record.createdAtMs,
    lastSeenMs: live?.lastSeenMs ?? null,
    bootId: live?.bootId ?? null,
    ackSeq: live?.ackSeq ?? null,
    reportIntervalMs: live?.reportIntervalMs ?? null,
    ifaces: live?.ifaces ?? {},
    policies: live?.policies ?? [],
    ...(full ? { multiWan: record.multiWan } : {}),
  };
}

export function devicesHttpApi(deps: DevicesApiDeps): Router {
  const router = Router();
  // Who may call which route: the access table (access-policy.ts).
  const auth = authMiddleware(deps.auth);
  const json = express.json({ limit: '1mb' });
  const changed = (id: string) => {
    try {
      deps.onDeviceChanged?.(id);
    } catch {
      // A listener's failure (e.g. dashboard sync) must not fail the registration; it logs its own errors.
    }
  };

  router.post('/devices', auth, json, async (req, res) => {
    const input = parseBody(newDeviceSchema, req.body);
    const { record, token } = await deps.store.add(input, deps.nowMs());
    changed(record.id);
    res.status(201).json({ ...deviceView(record, undefined), token });
  });

  router.get('/devices', auth, async (_req, res) => {
    const records = await deps.store.list();
    const lives = await deps.store.getLives(records.map((r) => r.id));
    res.json({ devices: records.map((r, i) => deviceView(r, lives[i])) });
  });

  router.get('/devices/:id', auth, async (req, res) => {
    const record = await deps.store.get(req.params.id as string);
    if (!record) throw new ProblemError('not_found', `no device "${req.params.id}"`);
    const [live, used] = await Promise.all([deps.store.getLive(record.id), deps.store.namesUsed(record.id)]);
    res.json({ ...deviceView(record, live, true), nameBudgets: budgetView(record, used) });
  });

  router.put('/devices/:id/budgets', auth, json, async (req, res) => {
    const id = req.params.id as string;
    const budgets = parseBody(nameBudgetsBodySchema, req.body);
    const record = await deps.store.get(id);
    if (!record) throw new ProblemError('not_found', `no device "${id}"`);
    const next = await deps.store.setNameBudgets(record, budgets);
    res.json({ id, nameBudgets: budgetView(next, await deps.store.namesUsed(id)) });
  });

  router.delete('/devices/:id', auth, async (req, res) => {
    if (!(await deps.store.remove(req.params.id as string)))
      throw new ProblemError('not_found', `no device "${req.params.id}"`);
    changed(req.params.id as string);
    res.status(204).end();
  });

  router.put('/devices/:id/multiwan', auth, json, async (req, res) => {
    const id = req.params.id as string;
    const p = principalOf(res);
    if (p.kind === 'device' && p.deviceId !== id)
      throw new ProblemError('forbidden_device', `this token may not configure "${id}"`);
    const multiWan = parseBody(multiWanV2Schema, req.body);
    const record = await deps.store.get(id);
    if (!record) throw new ProblemError('not_found', `no device "${id}"`);
    const next = await deps.store.setMultiWan(record, multiWan);
    changed(id);
    res.json({ id, notificationEmails: next.notificationEmails, multiWan: next.multiWan });
  });

  return router;
}
