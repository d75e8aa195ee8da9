import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ProblemError } from '../contract/index.ts';
import { NAME_KINDS, redisOp } from '../store/index.ts';
import type { NameBudgets, NameKind, RedisKeys } from '../store/index.ts';
import { ADMIT_NAMES_LUA, decodeAdmission, type AdmissionVerdict, type ReportNames } from './core/name-budget.ts';
import type { IngestMetrics } from './metrics.ts';

/**
 * InfluxDB's default max-values-per-tag is 100,000; new names are refused at 90 % of it, so that
 * the last 10 % stay for the names of devices registered meanwhile and for operators to react.
 */
export const DEFAULT_FLEET_TAG_VALUES_MAX = 90_000;

const PLURAL: Record<NameKind, string> = { iface: 'interfaces', target: 'targets', policy: 'policies' };

type AdmitRedis = Redis & { wanwatchAdmitNames(numKeys: number, ...keysAndArgs: string[]): Promise<unknown> };

export interface NameAdmission {
  /**
   * Resolves when every name of the report is within the device's budgets and the fleet guard;
   * else a 422 problem. `generation` (the record's createdAtMs) tells a re-registered device from
   * the deleted one of the same id, whose names no longer count.
   */
  admit(deviceId: string, generation: number, names: ReportNames, budgets: NameBudgets): Promise<void>;
  /** The fleet-wide guard in force. */
  fleetLimit: number;
  /** Distinct tag values in use across the fleet, per kind (for the metric). */
  fleetCounts(): Promise<Record<NameKind, number>>;
}

/**
 * Per-device name budgets and the fleet-wide tag-value guard, counted in Redis (see ADMIT_NAMES_LUA).
 * Names once admitted stay admitted, so this process remembers them per device: the everyday report
 * uses only known names and costs no Redis call.
 */
export function createNameAdmission(
  redis: Redis,
  keys: RedisKeys,
  opts: { fleetTagValuesMax?: number; logger?: Logger; metrics?: IngestMetrics } = {},
): NameAdmission {
  const fleetMax = opts.fleetTagValuesMax ?? DEFAULT_FLEET_TAG_VALUES_MAX;
  const r = redis as AdmitRedis;
  if (typeof r.wanwatchAdmitNames !== 'function') r.defineCommand('wanwatchAdmitNames', { lua: ADMIT_NAMES_LUA });
  const known = new Map<string, Record<NameKind, Set<string>>>();
  const warned = new Set<NameKind>();

  function refuse(deviceId: string, v: Exclude<AdmissionVerdict, { ok: true }>): never {
    if (v.why === 'budget') {
      throw new ProblemError(
        'name_budget_exceeded',
        `device "${deviceId}" may use ${v.limit} distinct ${PLURAL[v.kind]} and has used ${v.used}; ` +
          `${JSON.stringify(v.name)} would be one more (an admin can raise the budget: PUT /api/v1/devices/${deviceId}/budgets)`,
        [{ path: v.kind, message: `budget of ${v.limit} distinct ${PLURAL[v.kind]} used up` }],
      );
    }
    if (!warned.has(v.kind)) {
      warned.add(v.kind);
      opts.logger?.error(
        { tag: v.kind, inUse: v.inUse, limit: v.limit },
        'fleet tag-value guard reached: reports with new names are refused (see docs/deploy.md)',
      );
    }
    throw new ProblemError(
      'fleet_tag_limit',
      `${v.inUse} distinct ${PLURAL[v.kind]} are in use across the fleet (guard ${v.limit}); no new ones are accepted`,
      [{ path: v.kind, message: 'fleet-wide tag value guard reached' }],
    );
  }

  return {
    fleetLimit: fleetMax,
    async admit(deviceId, generation, names, budgets) {
      const cacheKey = `${deviceId}@${generation}`;
      let mine = known.get(cacheKey);
      const fresh: Record<NameKind, string[]> = { iface: [], target: [], policy: [] };
      let any = false;
      for (const kind of NAME_KINDS) {
        const seen = mine?.[kind];
        for (const n of names[kind]) if (!seen?.has(n)) fresh[kind].push(n);
        // More new names than the whole budget cannot fit: refused without asking Redis, which
        // also keeps a hostile report's thousands of names out of the script's arguments.
        if (fresh[kind].length > budgets[kind]) {
          const used = await redisOp('reading name budget', () => redis.scard(keys.deviceNames(deviceId, kind)));
          refuse(deviceId, { ok: false, why: 'budget', kind, used, limit: budgets[kind], name: fresh[kind][0]! });
        }
        if (fresh[kind].length) any = true;
      }
      if (!any) return;
      const reply = await redisOp('checking name budget', () =>
        r.wanwatchAdmitNames(
          2 * NAME_KINDS.length,
          ...NAME_KINDS.map((k) => keys.deviceNames(deviceId, k)),
          ...NAME_KINDS.map((k) => keys.tagValues(k)),
          ...NAME_KINDS.map((k) => String(budgets[k])),
          String(fleetMax),
          ...NAME_KINDS.map((k) => String(fresh[k].length)),
          ...NAME_KINDS.flatMap((k) => fresh[k]),
        ),
      );
      const verdict = decodeAdmission(reply);
      if (!verdict.ok) refuse(deviceId, verdict);
      if (!mine) {
        if (known.size >= 50_000) known.clear();
        mine = { iface: new Set(), target: new Set(), policy: new Set() };
        known.set(cacheKey, mine);
      }
      for (const kind of NAME_KINDS) for (const n of fresh[kind]) mine[kind].add(n);
    },
    async fleetCounts() {
      const counts = await Promise.all(NAME_KINDS.map((k) => redis.scard(keys.tagValues(k))));
      return { iface: counts[0]!, target: counts[1]!, policy: counts[2]! };
    },
  };
}
