import type { Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.ts';
import { redisOp } from './redis-op.ts';

/**
 * What alerting has decided about a device that the fleet board shows: the watchdog's reachability
 * and the links alerting's damping calls flapping. Read from alerting's stored device state
 * (`keys.alertState(id)`), so the console needs no import of alerting.
 */
export interface AlertView {
  unreachable: boolean;
  /** Interface names flapping now, sorted. */
  flapping: string[];
}

export const NO_ALERT_VIEW: AlertView = { unreachable: false, flapping: [] };

/** A stored alert state (JSON) -> the board's view of it; anything unreadable reads as nothing decided. */
export function parseAlertView(raw: string | null | undefined): AlertView {
  if (!raw) return NO_ALERT_VIEW;
  try {
    const o = JSON.parse(raw) as { reach?: unknown; ifaces?: unknown };
    // Interfaces are stored as [name, state] pairs (names are data, never object keys).
    const pairs: unknown[] = Array.isArray(o.ifaces)
      ? o.ifaces
      : o.ifaces && typeof o.ifaces === 'object'
        ? Object.entries(o.ifaces)
        : [];
    const flapping = pairs
      .filter(
        (p): p is [string, { flappingSinceMs?: unknown }] =>
          Array.isArray(p) && typeof p[0] === 'string' && typeof p[1] === 'object' && p[1] !== null,
      )
      .filter(([, s]) => typeof s.flappingSinceMs === 'number')
      .map(([name]) => name)
      .sort();
    return { unreachable: o.reach === 'unreachable', flapping };
  } catch {
    return NO_ALERT_VIEW;
  }
}

/**
 * The alert views of these devices, in order: one MGET, or on a Redis Cluster one GET per device
 * (each device's state lives in its own slot).
 */
export async function readAlertViews(redis: Redis, keys: RedisKeys, ids: readonly string[]): Promise<AlertView[]> {
  if (ids.length === 0) return [];
  const stateKeys = ids.map((id) => keys.alertState(id));
  const raws = await redisOp('reading alert state', () =>
    redis.isCluster ? Promise.all(stateKeys.map((key) => redis.get(key))) : redis.mget(stateKeys),
  );
  return raws.map(parseAlertView);
}
