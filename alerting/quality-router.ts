import type { Router } from 'express';
import { z } from 'zod';
import { ProblemError, issuesToErrors } from '../contract/index.ts';
import type { AlertStore } from './adapters/store.ts';
import { thresholdOverrideSchema, type OverrideScope } from './core/quality-overrides.ts';
import { DEFAULT_QUALITY_THRESHOLDS, type QualityThresholds } from './core/quality.ts';

const name = z.string().min(1).max(128);
const scopeShape = { site: name.optional(), deviceId: z.string().min(1).max(64).optional(), iface: name.optional() };

/** Exactly one of: `site`; `deviceId`; `deviceId` + `iface`. */
function toScope(s: { site?: string; deviceId?: string; iface?: string }, ctx: z.RefinementCtx): OverrideScope {
  if (s.site !== undefined && s.deviceId === undefined && s.iface === undefined) return { scope: 'site', site: s.site };
  if (s.site === undefined && s.deviceId !== undefined)
    return s.iface === undefined
      ? { scope: 'device', deviceId: s.deviceId }
      : { scope: 'link', deviceId: s.deviceId, iface: s.iface };
  ctx.addIssue({ code: 'custom', path: ['site'], message: 'give either site, or deviceId (with iface for one link)' });
  return z.NEVER;
}

const putSchema = z
  .strictObject({ ...scopeShape, thresholds: thresholdOverrideSchema })
  .transform(({ thresholds, ...s }, ctx) => ({ scope: toScope(s, ctx), thresholds }));
const deleteQuerySchema = z.strictObject(scopeShape).transform((s, ctx) => toScope(s, ctx));

/**
 * `GET|PUT|DELETE /alerting/quality-overrides`: link quality thresholds per site, device or link
 * (docs/alerts.md, "Link quality"), kept in Redis and read by the events worker with each drain.
 */
export function mountQualityOverrideRoutes(
  r: Router,
  deps: { store: AlertStore; qualityDefaults: QualityThresholds | null },
): void {
  r.get('/alerting/quality-overrides', async (_req, res) => {
    // windowMs 0 says the evaluation is off, as WANWATCH_QUALITY_WINDOW_MS=0 does.
    const defaults = deps.qualityDefaults ?? { ...DEFAULT_QUALITY_THRESHOLDS, windowMs: 0 };
    res.json({ defaults, overrides: await deps.store.qualityOverrides() });
  });
  r.put('/alerting/quality-overrides', async (req, res) => {
    const parsed = putSchema.safeParse(req.body ?? {});
    if (!parsed.success)
      throw new ProblemError('validation_failed', 'invalid quality override', issuesToErrors(parsed.error.issues));
    await deps.store.putQualityOverride(parsed.data.scope, parsed.data.thresholds);
    res.json({ ...parsed.data.scope, thresholds: parsed.data.thresholds });
  });
  r.delete('/alerting/quality-overrides', async (req, res) => {
    const parsed = deleteQuerySchema.safeParse(req.query);
    if (!parsed.success)
      throw new ProblemError('invalid_query', 'invalid quality override scope', issuesToErrors(parsed.error.issues));
    if (!(await deps.store.deleteQualityOverride(parsed.data))) throw new ProblemError('not_found', 'no such override');
    res.status(204).end();
  });
}
