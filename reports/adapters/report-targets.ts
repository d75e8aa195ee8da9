import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { RedisKeys } from '../../store/index.ts';
import { isTimeZone } from '../core/zoned-time.ts';

/** What a device or a site promises and where its calendar runs (docs/reports.md, "SLA and time zone"). */
export const reportTargetSchema = z.strictObject({
  /** Internet availability target in %, e.g. 99.9; null = none. */
  slaTargetPct: z.number().gt(0).max(100).nullable().default(null),
  /** IANA zone for period boundaries and displayed times; null = UTC (or the site's). */
  timeZone: z.string().max(64).refine(isTimeZone, { message: 'not an IANA time zone' }).nullable().default(null),
});
export type ReportTarget = z.infer<typeof reportTargetSchema>;
export type TargetScope = 'device' | 'site';

/** The targets that apply to one device: its own, else its site's, else none / UTC. */
export interface EffectiveTarget {
  slaTargetPct: number | null;
  timeZone: string;
}

/**
 * Resolution (first non-null wins, per field):
 *
 * | device's own | site's | effective |
 * |--------------|--------|-----------|
 * | set          | any    | device's  |
 * | null         | set    | site's    |
 * | null         | null   | none (SLA) / `UTC` (zone) |
 */
export function effectiveTarget(device: ReportTarget | undefined, site: ReportTarget | undefined): EffectiveTarget {
  return {
    slaTargetPct: device?.slaTargetPct ?? site?.slaTargetPct ?? null,
    timeZone: device?.timeZone ?? site?.timeZone ?? 'UTC',
  };
}

/** Role interface: where SLA targets and time zones live (a Redis hash owned by reports). */
export interface ReportTargets {
  all(): Promise<Array<{ scope: TargetScope; id: string } & ReportTarget>>;
  set(scope: TargetScope, id: string, target: ReportTarget): Promise<void>;
  remove(scope: TargetScope, id: string): Promise<boolean>;
  resolve(deviceId: string, site: string | null): Promise<EffectiveTarget>;
}

const field = (scope: TargetScope, id: string) => `${scope}:${id}`;

function decode(raw: string | null | undefined): ReportTarget | undefined {
  if (!raw) return undefined;
  try {
    const r = reportTargetSchema.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  } catch {
    // A value not written by this API is ignored rather than failing every report.
    return undefined;
  }
}

export function createReportTargets(redis: Redis, keys: Pick<RedisKeys, 'reportTargets'>): ReportTargets {
  return {
    async all() {
      const h = await redis.hgetall(keys.reportTargets);
      return Object.entries(h).flatMap(([k, v]) => {
        const colon = k.indexOf(':');
        const scope = k.slice(0, colon);
        const t = decode(v);
        return (scope === 'device' || scope === 'site') && t ? [{ scope, id: k.slice(colon + 1), ...t }] : [];
      });
    },
    async set(scope, id, target) {
      await redis.hset(keys.reportTargets, field(scope, id), JSON.stringify(target));
    },
    async remove(scope, id) {
      return (await redis.hdel(keys.reportTargets, field(scope, id))) > 0;
    },
    async resolve(deviceId, site) {
      const [d, s] = await redis.hmget(keys.reportTargets, field('device', deviceId), field('site', site ?? ''));
      return effectiveTarget(decode(d), site === null ? undefined : decode(s));
    },
  };
}
