import { z } from 'zod';
import { multiWanV2Schema } from '../contract/multiwan.ts';

/** The key prefix when WANWATCH_REDIS_PREFIX is not set: the one place it is spelled. */
export const DEFAULT_REDIS_PREFIX = 'ww';

/**
 * Redis keys shared by ingest (writer) and alerting/reports/dashboards (readers). All shared state
 * lives here or in InfluxDB, never in a process, so API and worker processes scale out.
 * `prefix` lets tests and several installations share one Redis.
 */
export function redisKeys(prefix: string = DEFAULT_REDIS_PREFIX) {
  return {
    /** SET of device ids. */
    devices: `${prefix}:devices`,
    /** STRING (JSON DeviceRecord). */
    device: (id: string) => `${prefix}:device:${id}`,
    /** HASH of live state (store/live.ts: one JSON value per field). */
    live: (id: string) => `${prefix}:device:${id}:live`,
    /** SET of `bootId:seq` of transitions already queued (expires after 30 days). */
    seenTransitions: (id: string) => `${prefix}:device:${id}:seen`,
    /** SET of the distinct names (`iface`, `target`, `policy`) the device has ever used: its budget count. */
    deviceNames: (id: string, kind: NameKind) => `${prefix}:device:${id}:names:${kind}`,
    /** SET of the distinct tag values of one tag key in use across the fleet (InfluxDB's max-values-per-tag). */
    tagValues: (kind: NameKind) => `${prefix}:tag-values:${kind}`,
    /** Pub/sub channel: ids of devices whose live state changed (store/live-notify.ts). */
    liveChanges: `${prefix}:live-changes`,
    /** STRING: a web-console session (console/session.ts), keyed by the SHA-256 of its id; expires. */
    consoleSession: (idHash: string) => `${prefix}:console:session:${idHash}`,
    /** STRING: a one-time console sign-in link (`wanwatch up`), keyed by the SHA-256 of its secret; expires. */
    consoleOnce: (secretHash: string) => `${prefix}:console:once:${secretHash}`,
    /** STRING: alerting's JSON state of a device (alerting/core/state.ts); the console reads it (store/alert-view.ts). */
    alertState: (id: string) => `${prefix}:alert:dev:${id}`,
    /** ZSET device id -> last-seen ms, for the watchdog. */
    lastSeen: `${prefix}:last-seen`,
    /** HASH silence id -> JSON Silence (maintenance windows; read by alerting and reports). */
    silences: `${prefix}:silences`,
    /** HASH `device:<id>` | `site:<site>` -> JSON report targets (SLA %, IANA time zone; reports/). */
    reportTargets: `${prefix}:report-targets`,
    /** STRING: the server's key for device-token HMACs (ingest/device-token.ts); never logged. */
    tokenKey: `${prefix}:token-key`,
    /** HASH: an API token (ingest/api-tokens.ts): name, role, keyed hash, created, last used; never the token. */
    apiToken: (id: string) => `${prefix}:api-token:${id}`,
    /** SET of API token ids. */
    apiTokens: `${prefix}:api-tokens`,
    /** BullMQ key prefix. */
    bull: `${prefix}:bull`,
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

/** A maintenance window: incidents inside it are recorded, not emailed; reports count it as maintenance time. */
export const silenceSchema = z.strictObject({
  v: z.literal(1),
  id: z.string(),
  /** Device the silence applies to; null = every device. */
  deviceId: z.string().nullable(),
  /** Interface the silence applies to; null = every interface of the device(s). */
  iface: z.string().nullable(),
  startMs: z.number().int(),
  endMs: z.number().int(),
  comment: z.string().max(500),
  createdBy: z.string().max(100),
  createdAtMs: z.number().int(),
});
export type Silence = z.infer<typeof silenceSchema>;
