import { z } from 'zod';
import { multiWanV2Schema } from './multiwan.ts';

/**
 * Redis keys shared by ingest (writer) and alerting/reports/dashboards (readers). All shared state
 * lives here or in InfluxDB, never in a process, so API and worker processes scale out.
 * `prefix` lets tests and several installations share one Redis.
 */
export function redisKeys(prefix = 'ww') {
  return {
    /** SET of device ids. */
    devices: `${prefix}:devices`,
    /** STRING (JSON DeviceRecord). */
    device: (id: string) => `${prefix}:device:${id}`,
    /** HASH of live state (see DeviceLive). */
    live: (id: string) => `${prefix}:device:${id}:live`,
    /** SET of `bootId:seq` of transitions already queued (expires after 30 days). */
    seenTransitions: (id: string) => `${prefix}:device:${id}:seen`,
    /** ZSET device id -> last-seen ms, for the watchdog. */
    lastSeen: `${prefix}:last-seen`,
    /** HASH silence id -> JSON Silence (maintenance windows; read by alerting and reports). */
    silences: `${prefix}:silences`,
    /** STRING: the server's key for device-token HMACs (ingest/device-token.ts); never logged. */
    tokenKey: `${prefix}:token-key`,
    /** BullMQ key prefix. */
    bull: `${prefix}:bull`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;

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
});
export type DeviceRecord = z.infer<typeof deviceRecordSchema>;

/** Live state of a device as ingest last saw it (values in the `live` hash are JSON strings). */
export const deviceLiveSchema = z.object({
  lastSeenMs: z.number().int(),
  bootId: z.string(),
  ackSeq: z.number().int(),
  reportIntervalMs: z.number().int(),
  /** iface -> { state, timeMs, rttAvgMs, lossPct, jitterMs } */
  ifaces: z.record(
    z.string(),
    z.object({
      state: z.string(),
      timeMs: z.number(),
      rttAvgMs: z.number().nullable(),
      lossPct: z.number().nullable(),
      jitterMs: z.number().nullable(),
    }),
  ),
  /** Latest policy splits. */
  policies: z.array(z.unknown()),
});
export type DeviceLive = z.infer<typeof deviceLiveSchema>;

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
