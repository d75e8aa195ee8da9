import {
  EPOCH_MS_MIN,
  FAMILIES,
  IFACE_STATES,
  LAST_RESORTS,
  MAX_NAME_LENGTH,
  MAX_RECORDS_PER_REPORT,
  MAX_REPORTED_COUNT,
  MAX_REPORTED_MS,
  NAME_PATTERN,
  TARGET_STATUSES,
  TRANSITION_REASONS,
} from '../../contract/index.ts';
import type { ReportV1 } from '../../contract/index.ts';

/**
 * A conservative, allocation-free check for the everyday report (samples, transitions, policies):
 * `true` only when `reportV1Schema` would accept the value unchanged, so the caller may skip zod
 * (about a tenth of the CPU per report). `false` means "not sure": the caller runs zod, which
 * decides and words the errors. Never stricter-than-zod in effect, since false falls back; a
 * property test checks that true always agrees with zod.
 */
export function isPlainValidReport(x: unknown): x is ReportV1 {
  if (!isObj(x)) return false;
  for (const k in x) if (!REPORT_KEYS.has(k)) return false;
  const r = x as Record<string, unknown>;
  if (r.v !== 1) return false;
  if (!str(r.deviceId, 1, 64) || !DEVICE_ID.test(r.deviceId as string)) return false;
  if (!str(r.bootId, 8, 64) || !BOOT_ID.test(r.bootId as string)) return false;
  if (!time(r.sentAtMs) || !int(r.reportIntervalMs, 100, 3_600_000)) return false;
  if (r.agent !== undefined && !str(r.agent, 0, 64)) return false;
  const records = r.records;
  if (!Array.isArray(records) || records.length < 1 || records.length > MAX_RECORDS_PER_REPORT) return false;
  const seqs = new Set<number>();
  for (const rec of records as unknown[]) {
    if (!isObj(rec)) return false;
    const o = rec as Record<string, unknown>;
    if (o.type === 'sample') {
      if (!sample(o)) return false;
    } else if (o.type === 'transition') {
      if (!transition(o)) return false;
    } else if (o.type === 'policy') {
      if (!policy(o)) return false;
    } else return false;
    const s = o.seq as number;
    if (seqs.has(s)) return false;
    seqs.add(s);
  }
  return true;
}

const REPORT_KEYS = new Set(['v', 'deviceId', 'bootId', 'sentAtMs', 'reportIntervalMs', 'agent', 'records']);
const SAMPLE_KEYS = new Set([
  'type',
  'seq',
  'timeMs',
  'iface',
  'device',
  'state',
  'score',
  'roundOk',
  'degraded',
  'rttAvgMs',
  'rttMinMs',
  'rttMaxMs',
  'lossPct',
  'jitterMs',
  'targets',
]);
const TARGET_KEYS = new Set([
  'target',
  'status',
  'sent',
  'received',
  'rttAvgMs',
  'rttMinMs',
  'rttMaxMs',
  'lossPct',
  'jitterMs',
]);
const TRANSITION_KEYS = new Set(['type', 'seq', 'timeMs', 'iface', 'from', 'to', 'score', 'reason', 'degraded']);
const POLICY_KEYS = new Set(['type', 'seq', 'timeMs', 'policies']);
const SPLIT_KEYS = new Set(['policy', 'family', 'members', 'lastResort', 'lastResortActive']);
const MEMBER_KEYS = new Set(['iface', 'sharePct', 'metric', 'weight']);
const FAMILY_SET = new Set<unknown>(FAMILIES);
const LAST_RESORT_SET = new Set<unknown>(LAST_RESORTS);
const STATES = new Set<unknown>(IFACE_STATES);
const STATUSES = new Set<unknown>(TARGET_STATUSES);
const REASONS = new Set<unknown>(TRANSITION_REASONS);
const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const BOOT_ID = /^[A-Za-z0-9-]+$/;

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const str = (x: unknown, min: number, max: number) => typeof x === 'string' && x.length >= min && x.length <= max;
const name = (x: unknown) => str(x, 1, MAX_NAME_LENGTH) && NAME_PATTERN.test(x as string);
const int = (x: unknown, min: number, max: number) =>
  Number.isSafeInteger(x) && (x as number) >= min && (x as number) <= max;
const seq = (x: unknown) => int(x, 0, Number.MAX_SAFE_INTEGER);
const count = (x: unknown) => int(x, 0, MAX_REPORTED_COUNT);
const time = (x: unknown) => int(x, EPOCH_MS_MIN, Number.MAX_SAFE_INTEGER);
const ms = (x: unknown) =>
  x === null || (typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= MAX_REPORTED_MS);
const pct = (x: unknown) => x === null || (typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= 100);
const metrics = (o: Record<string, unknown>) =>
  ms(o.rttAvgMs) && ms(o.rttMinMs) && ms(o.rttMaxMs) && pct(o.lossPct) && ms(o.jitterMs);

function sample(o: Record<string, unknown>): boolean {
  for (const k in o) if (!SAMPLE_KEYS.has(k)) return false;
  if (!seq(o.seq) || !time(o.timeMs) || !name(o.iface)) return false;
  if (o.device !== undefined && !name(o.device)) return false;
  if (!STATES.has(o.state) || !count(o.score)) return false;
  if (typeof o.roundOk !== 'boolean' || typeof o.degraded !== 'boolean' || !metrics(o)) return false;
  const targets = o.targets;
  if (!Array.isArray(targets) || targets.length > 64) return false;
  for (const t of targets as unknown[]) {
    if (!isObj(t)) return false;
    const tt = t as Record<string, unknown>;
    for (const k in tt) if (!TARGET_KEYS.has(k)) return false;
    if (!name(tt.target) || !STATUSES.has(tt.status) || !count(tt.sent) || !count(tt.received) || !metrics(tt))
      return false;
  }
  return true;
}

function transition(o: Record<string, unknown>): boolean {
  for (const k in o) if (!TRANSITION_KEYS.has(k)) return false;
  if (!seq(o.seq) || !time(o.timeMs) || !name(o.iface)) return false;
  if (!STATES.has(o.from) || !STATES.has(o.to) || !count(o.score) || !REASONS.has(o.reason)) return false;
  return o.degraded === undefined || typeof o.degraded === 'boolean';
}

function policy(o: Record<string, unknown>): boolean {
  for (const k in o) if (!POLICY_KEYS.has(k)) return false;
  if (!seq(o.seq) || !time(o.timeMs)) return false;
  const splits = o.policies;
  if (!Array.isArray(splits) || splits.length > 64) return false;
  for (const sp of splits as unknown[]) {
    if (!isObj(sp)) return false;
    for (const k in sp) if (!SPLIT_KEYS.has(k)) return false;
    if (!name(sp.policy) || !FAMILY_SET.has(sp.family) || !LAST_RESORT_SET.has(sp.lastResort)) return false;
    if (typeof sp.lastResortActive !== 'boolean') return false;
    const members = sp.members;
    if (!Array.isArray(members) || members.length > 64) return false;
    for (const m of members as unknown[]) {
      if (!isObj(m)) return false;
      for (const k in m) if (!MEMBER_KEYS.has(k)) return false;
      if (!name(m.iface) || !int(m.sharePct, 0, 100) || !int(m.metric, 1, 256) || !int(m.weight, 1, 1000)) return false;
    }
  }
  return true;
}
