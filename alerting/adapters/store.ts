import {
  parseScopeField,
  scopeField,
  thresholdOverrideSchema,
  type OverrideScope,
  type ThresholdOverride,
} from '../core/quality-overrides.ts';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  createDeviceRegistry,
  deviceTag,
  publishLiveChange,
  redisKeys,
  silencesForDevice,
  type DeviceRecord,
  type Silence,
} from '../../store/index.ts';
import {
  BEAT_SCRIPT,
  MAX_GAPS,
  RECEIVING_GAP_MS,
  blindnessKeys,
  parseGap,
  type BlindGap,
} from '../../store/blindness.ts';
import { blindNow, type BlindnessView } from '../core/blindness.ts';
import type { IfaceFigures } from '../core/render.ts';
import { emptyDeviceState, hasOpenMatters, parseState, serialiseState, type DeviceAlertState } from '../core/state.ts';

const UNLOCK = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
/**
 * Forgets a device's inbox job ids only if its inbox is still empty (a record pushed meanwhile keeps
 * them). KEYS: inbox, inbox job ids (one device, one slot). Returns 1 when the inbox was empty.
 */
const FORGET_EMPTY_INBOX = `if redis.call('llen', KEYS[1]) == 0 then
  redis.call('del', KEYS[2])
  return 1
end
return 0`;

export interface LiveView {
  lastSeenMs: number | null;
  reportIntervalMs: number | null;
  /** The reporter run ingest heard last. */
  bootId: string | null;
  ifaces: Map<string, IfaceFigures>;
}

/** Thrown when a device lock cannot be had in time; the BullMQ job is retried. */
export class LockTimeoutError extends Error {}

/**
 * Alerting's Redis state: per-device alert state (JSON) under a per-device lock, the set of
 * devices with open matters (for the sweep), and read access to what ingest keeps (device
 * records, live state, last-seen, silences).
 */
/** A stored override: its scope and thresholds. */
export type StoredOverride = OverrideScope & { thresholds: ThresholdOverride };

export function createAlertStore(redis: Redis, prefix: string) {
  const keys = redisKeys(prefix);
  const registry = createDeviceRegistry(redis, keys);
  const k = {
    state: keys.alertState,
    lock: (id: string) => `${deviceTag(prefix, id)}:alert:lock`,
    open: `${prefix}:alert:open`,
    sweepLock: `${prefix}:alert:sweep-lock`,
    noRecipients: (id: string) => `${deviceTag(prefix, id)}:alert:no-recipients-logged`,
    inbox: (id: string) => `${deviceTag(prefix, id)}:alert:inbox`,
    inboxJobs: (id: string) => `${deviceTag(prefix, id)}:alert:inbox-jobs`,
    inboxes: `${prefix}:alert:inboxes`,
    acks: (id: string) => `${deviceTag(prefix, id)}:alert:acks`,
    /** HASH scope field (core/quality-overrides.ts) -> JSON ThresholdOverride, set by an admin. */
    qualityOverrides: `${prefix}:alert:quality-overrides`,
  };

  async function acquire(key: string, ttlMs: number, waitMs: number): Promise<string | null> {
    const token = randomBytes(8).toString('hex');
    const deadline = Date.now() + waitMs;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK') return token;
      if (Date.now() + delay > deadline) return null;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  const release = (key: string, token: string) => redis.eval(UNLOCK, 1, key, token);

  return {
    keys,
    /** Runs fn holding the device's lock, so state changes of one device never interleave across workers. */
    async withDeviceLock<T>(deviceId: string, fn: () => Promise<T>, ttlMs = 30_000): Promise<T> {
      const token = await acquire(k.lock(deviceId), ttlMs, ttlMs);
      if (!token) throw new LockTimeoutError(`device ${deviceId}: alert lock busy`);
      try {
        return await fn();
      } finally {
        await release(k.lock(deviceId), token);
      }
    },
    /** One sweep at a time across all worker processes; returns false when another holds it. */
    async trySweepLock(ttlMs: number): Promise<(() => Promise<unknown>) | null> {
      const token = await acquire(k.sweepLock, ttlMs, 0);
      return token ? () => release(k.sweepLock, token) : null;
    },
    async loadState(deviceId: string): Promise<DeviceAlertState> {
      const raw = await redis.get(k.state(deviceId));
      return raw ? parseState(raw, deviceId) : emptyDeviceState(deviceId);
    },
    /**
     * Two steps, as the state (device slot) and the open set (fleet) may live on different cluster
     * nodes, ordered so that a crash between them leaves at most a device in the open set with no
     * open matter (the sweep loads it and finds nothing to do), never an open matter the sweep
     * cannot see. Only the device's lock holder changes its membership.
     */
    async saveState(s: DeviceAlertState): Promise<void> {
      if (hasOpenMatters(s)) {
        await redis.sadd(k.open, s.deviceId);
        await redis.set(k.state(s.deviceId), serialiseState(s));
      } else {
        await redis.set(k.state(s.deviceId), serialiseState(s));
        await redis.srem(k.open, s.deviceId);
      }
      // The web console's board shows unreachable and flapping from this state: tell open boards.
      publishLiveChange(redis, keys.liveChanges, [s.deviceId]);
    },
    openDevices: () => redis.smembers(k.open),
    /**
     * Device-events jobs in arrival order. Workers take jobs from BullMQ in FIFO order and push
     * before anything else awaits, so the list keeps ingest's order even when jobs of one device run
     * concurrently; the drain (under the device lock) applies them in that order.
     */
    pushInbox: async (deviceId: string, payload: string, jobId: string | undefined) => {
      // The fleet's inbox set is sent first (another slot on a cluster) and nothing is awaited
      // before the push, which keeps arrival order. Should the process die with only the push
      // applied, the job is not completed: BullMQ runs it again and it adds the device then.
      const watched = redis.sadd(k.inboxes, deviceId);
      const m = redis.multi().rpush(k.inbox(deviceId), payload);
      if (jobId !== undefined) m.sadd(k.inboxJobs(deviceId), jobId);
      const [, res] = await Promise.all([watched, m.exec()]);
      return res;
    },
    /** Devices whose inbox may hold records (the sweep looks for records no live job will apply). */
    inboxDevices: () => redis.smembers(k.inboxes),
    /** Ids of the events jobs that pushed records since the device's inbox was last seen empty. */
    inboxJobIds: (deviceId: string) => redis.smembers(k.inboxJobs(deviceId)),
    /**
     * Stops watching an empty inbox. The fleet set lives apart from the device's keys, so the check
     * is repeated after the removal: a record pushed meanwhile (its push added the device first)
     * puts the device back.
     */
    async forgetInboxIfEmpty(deviceId: string): Promise<number> {
      if ((await redis.eval(FORGET_EMPTY_INBOX, 2, k.inbox(deviceId), k.inboxJobs(deviceId))) !== 1) return 0;
      const n = await redis.srem(k.inboxes, deviceId);
      if ((await redis.llen(k.inbox(deviceId))) > 0) await redis.sadd(k.inboxes, deviceId);
      return n;
    },
    readInbox: (deviceId: string) => redis.lrange(k.inbox(deviceId), 0, 999),
    inboxLength: (deviceId: string) => redis.llen(k.inbox(deviceId)),
    /** Drops the first `count` entries once they are applied and saved (a crash before this re-applies them: a no-op by seq). */
    trimInbox: (deviceId: string, count: number) => redis.ltrim(k.inbox(deviceId), count, -1),
    /** Removes every copy of one record (a quarantined one) from the inbox. */
    dropFromInbox: (deviceId: string, payload: string) => redis.lrem(k.inbox(deviceId), 0, payload),
    /** Devices whose last report is older than `olderThanMs`. */
    staleDevices: (olderThanMs: number): Promise<string[]> => registry.staleDevices(olderThanMs),
    lastSeen: (deviceId: string): Promise<number | null> => registry.lastSeen(deviceId),
    async deviceRecord(deviceId: string): Promise<DeviceRecord | null> {
      return (await registry.device(deviceId)) ?? null;
    },
    /** The live state as alerting renders it; missing or odd fields read as null. */
    async live(deviceId: string): Promise<LiveView> {
      const live = await registry.live(deviceId);
      const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
      return {
        lastSeenMs: num(live?.lastSeenMs),
        reportIntervalMs: num(live?.reportIntervalMs),
        bootId: typeof live?.bootId === 'string' ? live.bootId : null,
        ifaces: new Map(live ? Object.entries(live.ifaces as Record<string, IfaceFigures>) : []),
      };
    },
    silences: (): Promise<Silence[]> => registry.silences(),
    /** The silences that apply to one device (`all`: already read); its record is read only for a site's silence. */
    async deviceSilences(deviceId: string, all?: Silence[]): Promise<Silence[]> {
      const silences = all ?? (await registry.silences());
      if (!silences.some((x) => x.deviceId === null && x.site !== null)) return silences;
      return silencesForDevice(silences, deviceId, (await registry.device(deviceId))?.site ?? null);
    },
    async putSilence(s: Silence): Promise<void> {
      await redis.hset(keys.silences, s.id, JSON.stringify(s));
    },
    async deleteSilence(id: string): Promise<boolean> {
      return (await redis.hdel(keys.silences, id)) > 0;
    },
    /** Acknowledged incidents of a device (ids; kept 35 days, longer than any matter's reminders matter). */
    async acks(deviceId: string): Promise<Set<string>> {
      return new Set(await redis.hkeys(k.acks(deviceId)));
    },
    async putAck(deviceId: string, incidentId: string, ack: { by: string; atMs: number; comment: string }) {
      await redis
        .multi()
        .hset(k.acks(deviceId), incidentId, JSON.stringify(ack))
        .expire(k.acks(deviceId), 35 * 86_400)
        .exec();
    },
    /** Every link-quality threshold override (a handful, set by admins: read whole). */
    async qualityOverrides(): Promise<StoredOverride[]> {
      const all = await redis.hgetall(k.qualityOverrides);
      const out: StoredOverride[] = [];
      for (const [field, json] of Object.entries(all)) {
        const scope = parseScopeField(field);
        const t = thresholdOverrideSchema.safeParse(parseJson(json));
        if (scope && t.success) out.push({ ...scope, thresholds: t.data });
      }
      return out;
    },
    async putQualityOverride(scope: OverrideScope, thresholds: ThresholdOverride): Promise<void> {
      await redis.hset(k.qualityOverrides, scopeField(scope), JSON.stringify(thresholds));
    },
    async deleteQualityOverride(scope: OverrideScope): Promise<boolean> {
      return (await redis.hdel(k.qualityOverrides, scopeField(scope))) > 0;
    },
    /**
     * Records this sweep run (a pause of more than `sweepGapMs` since the previous run is a gap) and
     * reads the receiving heartbeat and the recent gaps.
     */
    async blindness(nowMs: number, sweepGapMs: number): Promise<BlindnessView> {
      const bk = blindnessKeys(prefix);
      await redis.eval(
        BEAT_SCRIPT,
        2,
        bk.sweepBeat,
        bk.gaps,
        String(nowMs),
        String(sweepGapMs),
        'sweep',
        String(MAX_GAPS),
      );
      const [beat, gaps] = await Promise.all([redis.get(bk.receivingBeat), redis.lrange(bk.gaps, 0, -1)]);
      return {
        blindNow: blindNow(beat === null ? null : Number(beat), nowMs, RECEIVING_GAP_MS),
        gaps: gaps.map(parseGap).filter((g): g is BlindGap => g !== null),
      };
    },
    /** True the first time for a device (so "no recipients" is logged once, across processes). */
    async firstNoRecipients(deviceId: string): Promise<boolean> {
      return (await redis.set(k.noRecipients(deviceId), '1', 'NX')) === 'OK';
    },
  };
}
export type AlertStore = ReturnType<typeof createAlertStore>;

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}
