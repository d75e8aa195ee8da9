import type { Redis } from 'ioredis';
import { viaRedis } from './outage.ts';

/** What alerting set aside instead of letting it block a device: an events record or a group. */
export interface QuarantineEntry {
  kind: 'device_events' | 'group';
  deviceId: string;
  /** The events record (as queued by ingest) or `<groupId>`; trimmed to 4 KiB. */
  subject: string;
  error: string;
  attempts: number;
  atMs: number;
}

const MAX_QUARANTINE_ENTRIES = 1000;
const SENT_MARK_TTL_S = 35 * 86_400;
const FAILURE_TTL_S = 7 * 86_400;

/**
 * Redis records that keep alerting safe across crashes and bad jobs: "sent" marks written right
 * after the SMTP server accepted a message, failure counts of suspect work, and the quarantine.
 */
export function createSafetyStore(redis: Redis, prefix: string) {
  const k = {
    sent: (jobId: string) => `${prefix}:alert:sent:${jobId}`,
    failures: (key: string) => `${prefix}:alert:failures:${key}`,
    quarantine: `${prefix}:alert:quarantine`,
    quarantineCount: `${prefix}:alert:quarantine-count`,
  };
  return {
    /** Marks a notification as accepted by the mail server (kept longer than its job). */
    markSent: (jobId: string, attempt: number, atMs: number) =>
      viaRedis(() => redis.set(k.sent(jobId), JSON.stringify({ attempt, atMs }), 'EX', SENT_MARK_TTL_S)),
    async sentMark(jobId: string): Promise<{ attempt: number; atMs: number } | null> {
      const raw = await viaRedis(() => redis.get(k.sent(jobId)));
      return raw ? (JSON.parse(raw) as { attempt: number; atMs: number }) : null;
    },
    /** Counts one more failure of a piece of work (remembered for a week); returns the count so far. */
    async countFailure(key: string): Promise<number> {
      const r = await viaRedis(() => redis.multi().incr(k.failures(key)).expire(k.failures(key), FAILURE_TTL_S).exec());
      return Number(r?.[0]?.[1] ?? 0);
    },
    async quarantine(e: QuarantineEntry): Promise<void> {
      const entry = { ...e, subject: e.subject.slice(0, 4096), error: e.error.slice(0, 1000) };
      // The list and the counter are two fleet keys (two slots on a cluster): a crash between the
      // steps leaves the entry kept and the metric one short, never the reverse.
      await viaRedis(() =>
        redis
          .multi()
          .lpush(k.quarantine, JSON.stringify(entry))
          .ltrim(k.quarantine, 0, MAX_QUARANTINE_ENTRIES - 1)
          .exec(),
      );
      await viaRedis(() => redis.hincrby(k.quarantineCount, e.kind, 1));
    },
    /** Newest first. */
    async quarantined(limit: number): Promise<QuarantineEntry[]> {
      const raw = await viaRedis(() => redis.lrange(k.quarantine, 0, limit - 1));
      return raw.map((r) => JSON.parse(r) as QuarantineEntry);
    },
    /** Entries ever quarantined, by kind (the metric). */
    async quarantineCounts(): Promise<Record<string, number>> {
      const h = await viaRedis(() => redis.hgetall(k.quarantineCount));
      const out: Record<string, number> = Object.create(null);
      for (const [kind, n] of Object.entries(h)) out[kind] = Number(n);
      return out;
    },
  };
}
export type SafetyStore = ReturnType<typeof createSafetyStore>;
