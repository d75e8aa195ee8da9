import { z } from 'zod';
import { multiWanV2Schema } from '../contract/multiwan.ts';

/** The key prefix when WANWATCH_REDIS_PREFIX is not set: the one place it is spelled. */
export const DEFAULT_REDIS_PREFIX = 'ww';

/**
 * The hash tag of a device's keys: Redis Cluster puts every key whose name holds the same `{…}` in
 * one slot, so a device's keys can be used together in one MULTI or Lua script while the fleet's
 * devices spread over every master. A single Redis ignores the braces.
 */
export function deviceTag(prefix: string, id: string): string {
  return `${prefix}:{d:${id}}`;
}

/**
 * Redis keys shared by ingest (writer) and alerting/reports/dashboards (readers). All shared state
 * lives here or in InfluxDB, never in a process, so API and worker processes scale out.
 * `prefix` lets tests and several installations share one Redis.
 *
 * Slot rules (Redis Cluster, docs/architecture.md "Redis key layout"): keys used together in one
 * multi-key command, MULTI or script share a hash tag. Per-device keys carry `{d:<id>}`; the name
 * budget sets and the fleet's tag-value sets, checked by one script, share `{names}`; BullMQ's keys
 * share `{bull}`. Fleet-wide keys without a tag are only ever used alone.
 */
export function redisKeys(prefix: string = DEFAULT_REDIS_PREFIX) {
  return {
    /** SET of device ids. */
    devices: `${prefix}:devices`,
    /** STRING (JSON DeviceRecord). */
    device: (id: string) => `${deviceTag(prefix, id)}:device`,
    /** HASH of live state (store/live.ts: one JSON value per field). */
    live: (id: string) => `${deviceTag(prefix, id)}:live`,
    /** SET of `bootId:seq` of transitions already queued (expires after 30 days). */
    seenTransitions: (id: string) => `${deviceTag(prefix, id)}:seen`,
    /**
     * SET of the distinct names (`iface`, `target`, `policy`) the device has ever used: its budget
     * count. In the `{names}` slot with `tagValues`: one script checks both.
     */
    deviceNames: (id: string, kind: NameKind) => `${prefix}:{names}:device:${id}:${kind}`,
    /** SET of the distinct tag values of one tag key in use across the fleet (InfluxDB's max-values-per-tag). */
    tagValues: (kind: NameKind) => `${prefix}:{names}:tag-values:${kind}`,
    /** Pub/sub channel: ids of devices whose live state changed (store/live-notify.ts). */
    liveChanges: `${prefix}:live-changes`,
    /** STRING: a web-console session (console/session.ts), keyed by the SHA-256 of its id; expires. */
    consoleSession: (idHash: string) => `${prefix}:console:session:${idHash}`,
    /** STRING: a one-time console sign-in link (`wanwatch up`), keyed by the SHA-256 of its secret; expires. */
    consoleOnce: (secretHash: string) => `${prefix}:console:once:${secretHash}`,
    /** STRING: alerting's JSON state of a device (alerting/core/state.ts); the console reads it (store/alert-view.ts). */
    alertState: (id: string) => `${deviceTag(prefix, id)}:alert:state`,
    /** ZSET device id -> last-seen ms, for the watchdog. */
    lastSeen: `${prefix}:last-seen`,
    /** HASH silence id -> JSON Silence (maintenance windows; read by alerting and reports). */
    silences: `${prefix}:silences`,
    /** HASH `device:<id>` | `site:<site>` -> JSON report targets (SLA %, IANA time zone; reports/). */
    reportTargets: `${prefix}:report-targets`,
    /** STRING: the server's key for device-token HMACs (ingest/device-token.ts); never logged. */
    tokenKey: `${prefix}:token-key`,
    /** HASH: an API token (ingest/api-tokens.ts): name, role, keyed hash, created, last used; never the token. */
    apiToken: (id: string) => `${prefix}:{tokens}:api-token:${id}`,
    /** SET of API token ids (slot `{tokens}` with the tokens: created and revoked in one MULTI). */
    apiTokens: `${prefix}:{tokens}:api-tokens`,
    /** STRING: the server's key for signed share and acknowledgement links (store/link-key.ts); never logged. */
    linkKey: `${prefix}:link-key`,
    /** BullMQ key prefix: every queue's keys in the `{bull}` slot, as BullMQ needs on a cluster. */
    bull: `${prefix}:{bull}`,
    /** STRING: the key layout version (store/redis-layout.ts); absent = the layout before hash tags. */
    layout: `${prefix}:layout`,
    /** STRING: held (with an expiry) by the one process that upgrades the key layout. */
    layoutLock: `${prefix}:layout-lock`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;

/** The kinds of names a report introduces, each an InfluxDB tag key. */
export const NAME_KINDS = ['iface', 'target', 'policy'] as const;
export type NameKind = (typeof NAME_KINDS)[number];

/** Per-device limits on distinct names ever used; an admin may set them per device (docs/api.md). */
export const nameBudgetsSchema = z.strictObject({
  iface: z.number().int().min(1).max(4096),
  target: z.number().int().min(1).max(4096),
  policy: z.number().int().min(1).max(4096),
});
export type NameBudgets = z.infer<typeof nameBudgetsSchema>;
export const DEFAULT_NAME_BUDGETS: NameBudgets = { iface: 32, target: 16, policy: 32 };

export const deviceRecordSchema = z.strictObject({
  v: z.literal(1),
  id: z.string(),
  name: z.string(),
  site: z.string().nullable(),
  /** Keyed hash of the device token: `hmac-sha256$keyId$digest` (older records: `scrypt$…`). Never the token. */
  tokenHash: z.string(),
  createdAtMs: z.number().int(),
  /** Alert recipients of this device (from multiWanV2.notificationEmails or the API). */
  notificationEmails: z.array(z.string()),
  multiWan: multiWanV2Schema.nullable(),
  /** Name budgets set by an admin; absent = DEFAULT_NAME_BUDGETS. */
  nameBudgets: nameBudgetsSchema.partial().optional(),
});
export type DeviceRecord = z.infer<typeof deviceRecordSchema>;

/** Days of the week as `Date#getUTCDay` numbers them (index 0 = Sunday). */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A weekly recurrence (store/maintenance-window.ts): local days and start time in an IANA zone. */
export const weeklyWindowSchema = z.strictObject({
  days: z.array(z.enum(WEEKDAYS)).min(1).max(7),
  /** Local wall-clock start, `HH:MM` (24 h). */
  start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (00:00 to 23:59)'),
  /** Elapsed minutes (a window over a DST change keeps its length); up to one week. */
  durationMin: z.number().int().min(1).max(10_080),
  timeZone: z.string().min(1).max(64),
  /** First local date an occurrence may start on (`YYYY-MM-DD`). */
  firstDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'),
  /** Last local date an occurrence may start on; null = no end. */
  lastDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
    .nullable(),
});
export type WeeklyWindow = z.infer<typeof weeklyWindowSchema>;

const silenceV1Schema = z.strictObject({
  v: z.literal(1),
  id: z.string(),
  deviceId: z.string().nullable(),
  iface: z.string().nullable(),
  startMs: z.number().int(),
  endMs: z.number().int(),
  comment: z.string().max(500),
  createdBy: z.string().max(100),
  createdAtMs: z.number().int(),
});

/**
 * A maintenance window: incidents inside it are recorded, not emailed; reports count it as
 * maintenance time. One-off (`weekly` null: active in [startMs, endMs)) or weekly (active in the
 * occurrences of `weekly`; startMs/endMs are then the bounds of all occurrences, endMs
 * MAX_WINDOW_MS without a last date). Stored v1 records (one-off, device or fleet) read as v2.
 */
export const silenceSchema = z.union([
  z.strictObject({
    v: z.literal(2),
    id: z.string(),
    /** Device the silence applies to; null = by site or every device. */
    deviceId: z.string().nullable(),
    /** Site the silence applies to (with deviceId null); null = not by site. */
    site: z.string().nullable(),
    /** Interface the silence applies to (needs deviceId); null = every interface. */
    iface: z.string().nullable(),
    startMs: z.number().int(),
    endMs: z.number().int(),
    weekly: weeklyWindowSchema.nullable(),
    comment: z.string().max(500),
    createdBy: z.string().max(100),
    createdAtMs: z.number().int(),
  }),
  silenceV1Schema.transform((s) => ({ ...s, v: 2 as const, site: null, weekly: null })),
]);
export type Silence = z.output<typeof silenceSchema>;
