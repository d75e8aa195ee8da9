import { z } from 'zod';
import type { Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.ts';
import { redisOp } from './redis-op.ts';

/**
 * The device's live state in Redis (`keys.live(id)`): one hash whose values are JSON. Written by
 * ingest on every report (the merge itself lives with the hot path: ingest/hot-path/live-merge.ts),
 * read by the API, alerting and the dashboards through this one codec.
 */
export const liveIfaceSchema = z.object({
  state: z.string(),
  timeMs: z.number(),
  rttAvgMs: z.number().nullable(),
  lossPct: z.number().nullable(),
  jitterMs: z.number().nullable(),
});
export type LiveIface = z.infer<typeof liveIfaceSchema>;

export interface LiveState {
  lastSeenMs: number;
  bootId: string;
  ackSeq: number;
  reportIntervalMs: number;
  /** iface -> last state and figures; a null-prototype object (interface names are data). */
  ifaces: Record<string, LiveIface>;
  /** Latest policy splits. */
  policies: unknown[];
  /** Device time of `policies` (a late back-fill never replaces newer ones). */
  policiesTimeMs?: number;
}

const LIVE_FIELDS = [
  'lastSeenMs',
  'bootId',
  'ackSeq',
  'reportIntervalMs',
  'ifaces',
  'policies',
  'policiesTimeMs',
] as const;

/** The live hash's fields: each value JSON; `withPolicies: false` leaves `policies` out. */
export function liveFields(live: LiveState, withPolicies = true): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const k of LIVE_FIELDS) {
    if (live[k] !== undefined && (withPolicies || k !== 'policies')) fields[k] = JSON.stringify(live[k]);
  }
  return fields;
}

/**
 * The fields a report reads before it updates the live hash: all but `policies`, the biggest one,
 * which a report never merges (it replaces it whole, or leaves it as it is).
 */
export const LIVE_MERGE_FIELDS: readonly string[] = LIVE_FIELDS.filter((k) => k !== 'policies');

/** `HMGET key ...LIVE_MERGE_FIELDS` reply -> the live state without `policies`. */
export function parseLiveMergeFields(values: Array<string | null>): LiveState | undefined {
  const h: Record<string, string> = {};
  LIVE_MERGE_FIELDS.forEach((k, i) => {
    const v = values[i];
    if (v != null) h[k] = v;
  });
  return parseLive(h);
}

/** `HGETALL` reply -> the live state; undefined when the device has not reported yet. */
export function parseLive(h: Record<string, string> | null | undefined): LiveState | undefined {
  if (!h || !h.lastSeenMs) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) {
    try {
      out[k] = JSON.parse(v);
    } catch {
      out[k] = v;
    }
  }
  // Keyed by interface names (data): readers index it with any name, `constructor` included.
  out.ifaces = Object.assign(
    Object.create(null) as Record<string, unknown>,
    out.ifaces && typeof out.ifaces === 'object' ? out.ifaces : {},
  );
  return out as unknown as LiveState;
}

/** Reads one device's live state. */
export async function readLive(redis: Redis, keys: RedisKeys, id: string): Promise<LiveState | undefined> {
  return parseLive(await redisOp('reading live state', () => redis.hgetall(keys.live(id))));
}

/**
 * Reads many devices' live states in the order of `ids`: one pipeline on a single Redis; on a
 * cluster, where a pipeline must stay on one node, one HGETALL each.
 */
export async function readLives(redis: Redis, keys: RedisKeys, ids: string[]): Promise<Array<LiveState | undefined>> {
  if (ids.length === 0) return [];
  if (redis.isCluster) {
    const all = await redisOp('reading live state', () => Promise.all(ids.map((id) => redis.hgetall(keys.live(id)))));
    return all.map(parseLive);
  }
  const pipe = redis.pipeline();
  for (const id of ids) pipe.hgetall(keys.live(id));
  const res = await redisOp('reading live state', () => pipe.exec());
  return (res ?? []).map(([, h]) => parseLive(h as Record<string, string>));
}
