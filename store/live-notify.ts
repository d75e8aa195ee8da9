import type { Redis } from 'ioredis';

/**
 * A small change notice beside the live state: whoever writes a device's live hash publishes the
 * device ids on `keys.liveChanges`, and every API process fans it out to its open web-console
 * boards. The notice carries no state (readers read the hash), so a lost notice costs freshness,
 * never correctness; it is therefore published without waiting and its failure is ignored.
 */
export function publishLiveChange(redis: Redis, channel: string, deviceIds: readonly string[]): void {
  if (deviceIds.length === 0) return;
  redis.publish(channel, JSON.stringify(deviceIds)).catch(() => {});
}

/** The device ids of a notice; an unparsable notice reads as none. */
export function parseLiveChange(message: string): string[] {
  try {
    const v: unknown = JSON.parse(message);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
