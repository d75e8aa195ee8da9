import { DEFAULT_NAME_BUDGETS, NAME_KINDS } from '../../store/index.ts';
import type { ReportV1 } from '../../contract/index.ts';
import type { DeviceRecord, NameBudgets, NameKind } from '../../store/index.ts';

/** The distinct names of each kind that a report uses (each becomes an InfluxDB tag value). */
export type ReportNames = Record<NameKind, Set<string>>;

/** Interfaces (samples, transitions, policy members), targets (samples) and policies (policy records). */
export function namesOf(report: ReportV1): ReportNames {
  const out: ReportNames = { iface: new Set(), target: new Set(), policy: new Set() };
  for (const r of report.records) {
    if (r.type === 'sample') {
      out.iface.add(r.iface);
      for (const t of r.targets) out.target.add(t.target);
    } else if (r.type === 'transition') out.iface.add(r.iface);
    else
      for (const p of r.policies) {
        out.policy.add(p.policy);
        for (const m of p.members) out.iface.add(m.iface);
      }
  }
  return out;
}

/** A device's effective budgets: the admin's overrides over the defaults (32 interfaces, 16 targets, 32 policies). */
export function budgetsOf(record: Pick<DeviceRecord, 'nameBudgets'> | undefined): NameBudgets {
  return { ...DEFAULT_NAME_BUDGETS, ...record?.nameBudgets };
}

/** What the admission script answered, decoded. */
export type AdmissionVerdict =
  | { ok: true }
  | { ok: false; why: 'budget'; kind: NameKind; used: number; limit: number; name: string }
  | { ok: false; why: 'fleet'; kind: NameKind; inUse: number; limit: number; name: string };

/**
 * Whether a device may use `fresh` new names of one kind (names it has not used before).
 *
 * | used + fresh new names      | fleet values in use + values new to the fleet | verdict |
 * |-----------------------------|-----------------------------------------------|---------|
 * | <= device budget            | <= fleet limit                                | ok      |
 * | >  device budget            | any                                           | budget  |
 * | <= device budget            | >  fleet limit                                | fleet   |
 *
 * The same rule runs inside Redis (ADMIT_NAMES_LUA) so that concurrent reports cannot both pass;
 * this copy documents it and is what the unit tests pin down.
 */
export function admitKind(
  used: number,
  freshForDevice: number,
  budget: number,
  fleetInUse: number,
  freshForFleet: number,
  fleetLimit: number,
): 'ok' | 'budget' | 'fleet' {
  if (freshForDevice === 0) return 'ok';
  if (used + freshForDevice > budget) return 'budget';
  if (fleetInUse + freshForFleet > fleetLimit) return 'fleet';
  return 'ok';
}

/**
 * Redis script: admits the report's names all or nothing.
 * KEYS = per kind (NAME_KINDS order) the device's name set, then per kind the fleet's tag-value set.
 * ARGV = budget per kind, fleet limit, count of names per kind, then the names (kind by kind).
 * Returns `{0}` (admitted; the sets now hold the names), `{1, kindIndex, used, budget, name}` or
 * `{2, kindIndex, inUse, limit, name}` (nothing changed). Same rule as `admitKind`.
 */
export const ADMIT_NAMES_LUA = `
local k = ${NAME_KINDS.length}
local fleetLimit = tonumber(ARGV[k + 1])
local pos = 2 * k + 2
local pending = {}
for i = 1, k do
  local budget = tonumber(ARGV[i])
  local n = tonumber(ARGV[k + 1 + i])
  local devNew, fleetNew = {}, {}
  for j = pos, pos + n - 1 do
    local name = ARGV[j]
    if redis.call('SISMEMBER', KEYS[i], name) == 0 then
      table.insert(devNew, name)
      if redis.call('SISMEMBER', KEYS[k + i], name) == 0 then table.insert(fleetNew, name) end
    end
  end
  pos = pos + n
  if #devNew > 0 then
    local used = redis.call('SCARD', KEYS[i])
    if used + #devNew > budget then return { 1, i, used, budget, devNew[1] } end
    local inUse = redis.call('SCARD', KEYS[k + i])
    if inUse + #fleetNew > fleetLimit then return { 2, i, inUse, fleetLimit, fleetNew[1] } end
    pending[i] = devNew
  end
end
for i = 1, k do
  if pending[i] then
    redis.call('SADD', KEYS[i], unpack(pending[i]))
    redis.call('SADD', KEYS[k + i], unpack(pending[i]))
  end
end
return { 0 }
`;

/** The script's reply -> a verdict. */
export function decodeAdmission(reply: unknown): AdmissionVerdict {
  const r = reply as [number, number?, number?, number?, string?];
  if (r[0] === 0) return { ok: true };
  const kind = NAME_KINDS[(r[1] ?? 1) - 1]!;
  const name = String(r[4] ?? '');
  if (r[0] === 1) return { ok: false, why: 'budget', kind, used: Number(r[2]), limit: Number(r[3]), name };
  return { ok: false, why: 'fleet', kind, inUse: Number(r[2]), limit: Number(r[3]), name };
}

/** `30d`, `720h`, `1w2d`, `INF` (InfluxQL durations as WANWATCH_RAW_RETENTION takes them) -> ms. */
export function influxDurationMs(text: string): number {
  if (text === 'INF') return Number.POSITIVE_INFINITY;
  const unit: Record<string, number> = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };
  if (!/^(\d+[wdhms])+$/.test(text)) throw new Error(`not an InfluxQL duration: ${text}`);
  let ms = 0;
  for (const m of text.matchAll(/(\d+)([wdhms])/g)) ms += Number(m[1]) * unit[m[2]!]!;
  return ms;
}
