import { z } from 'zod';
import type { QualityThresholds } from './quality.ts';

/** Thresholds an operator sets for a site, a device or one link; the ones left out are inherited. */
export const thresholdOverrideSchema = z.strictObject({
  windowMs: z.number().int().min(1_000).max(86_400_000).optional(),
  minDurationMs: z.number().int().min(0).max(86_400_000).optional(),
  lossEnterPct: z.number().min(0).max(100).optional(),
  lossLeavePct: z.number().min(0).max(100).optional(),
  rttP95EnterMs: z.number().min(0).max(600_000).optional(),
  rttP95LeaveMs: z.number().min(0).max(600_000).optional(),
  jitterEnterMs: z.number().min(0).max(600_000).optional(),
  jitterLeaveMs: z.number().min(0).max(600_000).optional(),
});
export type ThresholdOverride = z.infer<typeof thresholdOverrideSchema>;

/** What an override applies to: every device of a site, one device, or one link of a device. */
export type OverrideScope =
  | { scope: 'site'; site: string }
  | { scope: 'device'; deviceId: string }
  | { scope: 'link'; deviceId: string; iface: string };

/** Redis hash field of a scope: a JSON array, so a name with any character stays data. */
export function scopeField(s: OverrideScope): string {
  if (s.scope === 'site') return JSON.stringify(['site', s.site]);
  if (s.scope === 'device') return JSON.stringify(['device', s.deviceId]);
  return JSON.stringify(['link', s.deviceId, s.iface]);
}

/** The scope of a stored field; null for a field this version does not know. */
export function parseScopeField(field: string): OverrideScope | null {
  try {
    const a = JSON.parse(field) as unknown;
    if (!Array.isArray(a) || !a.every((x) => typeof x === 'string')) return null;
    const [kind, x = '', y = ''] = a as string[];
    if (kind === 'site' && a.length === 2) return { scope: 'site', site: x };
    if (kind === 'device' && a.length === 2) return { scope: 'device', deviceId: x };
    if (kind === 'link' && a.length === 3) return { scope: 'link', deviceId: x, iface: y };
  } catch {
    // not ours
  }
  return null;
}

/**
 * A link's thresholds: the most specific override wins, per threshold.
 *
 * | set for the link | set for the device | set for its site | used |
 * |---|---|---|---|
 * | yes | any | any | the link's |
 * | no | yes | any | the device's |
 * | no | no | yes | the site's |
 * | no | no | no | the backend's (WANWATCH_QUALITY_*) |
 */
export function resolveThresholds(
  base: QualityThresholds,
  o: { site?: ThresholdOverride; device?: ThresholdOverride; link?: ThresholdOverride },
): QualityThresholds {
  return { ...base, ...defined(o.site), ...defined(o.device), ...defined(o.link) };
}

function defined(o: ThresholdOverride | undefined): Partial<QualityThresholds> {
  const out: Partial<QualityThresholds> = {};
  for (const [k, v] of Object.entries(o ?? {})) if (v !== undefined) (out as Record<string, number>)[k] = v as number;
  return out;
}
