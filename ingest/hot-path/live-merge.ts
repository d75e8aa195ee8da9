import type { Redis } from 'ioredis';
import { ProblemError } from '../../contract/index.ts';
import type { PolicyRecord, ReportV1 } from '../../contract/index.ts';
import { publishLiveChange, type LiveState } from '../../store/index.ts';
import { latestMetrics, policiesOf, seqRange } from '../core/report-events.ts';
import { batchPerTick } from '../tick-batch.ts';

/**
 * What a samples-only report changes in the device's live hash, ready for MERGE_LIVE_LUA. Only for
 * reports whose records are all samples: reports with transitions or policy snapshots take the
 * read-then-write path in `ingestReport` (they need the previous state to build the alerting job).
 */
export interface LiveUpdate {
  id: string;
  lastSeenMs: number;
  /** JSON of the bootId, exactly as the hash stores it. */
  bootIdJson: string;
  lastSeq: number;
  reportIntervalMs: number;
  /** Per interface, the newest sample's state and figures (what `nextLive` would take). */
  ifaces: Record<
    string,
    { state: string; timeMs: number; rttAvgMs: number | null; lossPct: number | null; jitterMs: number | null }
  >;
}

export function liveUpdateOf(
  report: ReportV1,
  nowMs: number,
  ifaces: LiveUpdate['ifaces'] = latestMetrics(report),
): LiveUpdate {
  return {
    id: report.deviceId,
    lastSeenMs: nowMs,
    bootIdJson: JSON.stringify(report.bootId),
    lastSeq: seqRange(report).lastSeq,
    reportIntervalMs: report.reportIntervalMs,
    ifaces,
  };
}

/**
 * The same merge as `nextLive` (core/report-events.ts) for samples-only reports, done inside Redis
 * so that no read has to come back first: one script call carries the updates of every request of
 * a group-commit tick. Equivalence with `nextLive` is checked by ingest/test/live-merge.test.ts.
 *
 * | stored                                  | update                       | result                           |
 * |-----------------------------------------|------------------------------|----------------------------------|
 * | no hash (no lastSeenMs)                 | any                          | new hash, policies [] at time 0  |
 * | bootId = update's, ackSeq > lastSeq     | any                          | ackSeq kept                      |
 * | otherwise                               | any                          | ackSeq = lastSeq                 |
 * | iface timeMs > update's                 | older sample (late back-fill)| iface kept                       |
 * | iface missing or timeMs <= update's     | newer sample                 | iface replaced; a null figure    |
 * |                                         |                              | keeps the stored one             |
 *
 * KEYS = the devices' live hashes; ARGV[i] = JSON of the LiveUpdate for KEYS[i]. Numbers re-encoded
 * by cjson keep 14 significant digits. The last-seen scores (a fleet key, another slot on a Redis
 * Cluster) are written by the caller after the script.
 */
export const MERGE_LIVE_LUA = `
local figures = { 'rttAvgMs', 'lossPct', 'jitterMs' }
for i = 1, #KEYS do
  local u = cjson.decode(ARGV[i])
  local key = KEYS[i]
  local cur = redis.call('HMGET', key, 'lastSeenMs', 'bootId', 'ackSeq', 'ifaces')
  local ack = u.lastSeq
  if cur[1] and cur[2] == u.bootIdJson and cur[3] then
    local prevAck = tonumber(cur[3])
    if prevAck and prevAck > ack then ack = prevAck end
  end
  local ifaces = {}
  if cur[1] and cur[4] then ifaces = cjson.decode(cur[4]) end
  for name, c in pairs(u.ifaces) do
    local p = ifaces[name]
    if p == nil or not (p.timeMs > c.timeMs) then
      if p ~= nil then
        for _, f in ipairs(figures) do
          if c[f] == cjson.null and p[f] ~= nil then c[f] = p[f] end
        end
      end
      ifaces[name] = c
    end
  end
  redis.call('HSET', key, 'lastSeenMs', u.lastSeenMs, 'bootId', u.bootIdJson, 'ackSeq', ack,
    'reportIntervalMs', u.reportIntervalMs, 'ifaces', cjson.encode(ifaces))
  if not cur[1] then redis.call('HSET', key, 'policies', '[]', 'policiesTimeMs', '0') end
end
return #KEYS
`;

type MergeRedis = Redis & {
  wanwatchMergeLive(numKeys: number, ...keysAndArgs: string[]): Promise<number>;
};

/**
 * Whether a Redis error is the merge script failing on the data it was given (a runtime error
 * inside the script, e.g. the JSON decoder refusing a value), as opposed to Redis being unwell
 * (connection lost, OOM, BUSY, READONLY, LOADING), which is transient and answered 503.
 */
export function isScriptDataError(err: unknown): boolean {
  if (!err || typeof err !== 'object' || (err as Error).name !== 'ReplyError') return false;
  const msg = String((err as Error).message);
  return /^ERR\b/.test(msg) && /user_script|Error running script/i.test(msg);
}

/**
 * Batches live-state merges: every call made in one tick (the requests a group-commit write
 * resumes together) goes to Redis as one EVALSHA (on a Redis Cluster one per device, each in its
 * device's slot, sent together by auto-pipelining), then one ZADD of the last-seen scores. A crash
 * between the two leaves the reports unacknowledged: the reporters' retries write both again.
 * Each caller's promise settles with the batch.
 * A script error caused by one update's data fails only that update, as `storage_rejected` (4xx:
 * the reporter isolates and drops the record; a retry could never succeed).
 */
export function createLiveMerger(
  redis: Redis,
  keys: { live(id: string): string; lastSeen: string; liveChanges?: string },
): (update: LiveUpdate) => Promise<void> {
  const r = redis as MergeRedis;
  if (typeof r.wanwatchMergeLive !== 'function') r.defineCommand('wanwatchMergeLive', { lua: MERGE_LIVE_LUA });
  const mergeHashes = (updates: LiveUpdate[]): Promise<unknown> =>
    redis.isCluster
      ? Promise.all(updates.map((u) => r.wanwatchMergeLive(1, keys.live(u.id), JSON.stringify(u))))
      : r.wanwatchMergeLive(
          updates.length,
          ...updates.map((u) => keys.live(u.id)),
          ...updates.map((u) => JSON.stringify(u)),
        );
  const merge = batchPerTick<LiveUpdate>(
    async (updates) => {
      await mergeHashes(updates);
      await redis.zadd(keys.lastSeen, ...updates.flatMap((u) => [u.lastSeenMs, u.id]));
      // The change notice for open web consoles (store/live-notify.ts): one per batch, naming its devices.
      if (keys.liveChanges) publishLiveChange(redis, keys.liveChanges, [...new Set(updates.map((u) => u.id))]);
    },
    { isolate: isScriptDataError },
  );
  return (update) =>
    merge(update).catch((err: unknown) => {
      if (isScriptDataError(err))
        throw new ProblemError(
          'storage_rejected',
          `Redis refused the live state of this report: ${(err as Error).message}`,
        );
      throw err;
    });
}
export type LiveMerger = ReturnType<typeof createLiveMerger>;

/** The report's newest policy record when it replaces the live `policies` (not older than the stored one). */
export function replacingPolicy(prev: LiveState | undefined, report: ReportV1): PolicyRecord | undefined {
  const policies = policiesOf(report);
  const latestPolicy = policies[policies.length - 1];
  return latestPolicy && latestPolicy.timeMs >= (prev?.policiesTimeMs ?? 0) ? latestPolicy : undefined;
}

/**
 * The device's live state after a report (the TypeScript twin of MERGE_LIVE_LUA). Interface states
 * and policies only move forward in device time, so a late back-fill report never overwrites a
 * newer state.
 */
export function nextLive(prev: LiveState | undefined, report: ReportV1, nowMs: number): LiveState {
  // Keyed by interface names (data): a null-prototype copy, so `__proto__` is an interface like any other.
  const ifaces: LiveState['ifaces'] = Object.assign(Object.create(null) as LiveState['ifaces'], prev?.ifaces ?? {});
  const metrics = latestMetrics(report);
  for (const r of report.records) {
    if (r.type === 'policy') continue;
    const cur = ifaces[r.iface];
    if (cur && cur.timeMs > r.timeMs) continue;
    const state = r.type === 'sample' ? r.state : r.to;
    const m = metrics[r.iface];
    ifaces[r.iface] = {
      state,
      timeMs: r.timeMs,
      rttAvgMs: m?.rttAvgMs ?? cur?.rttAvgMs ?? null,
      lossPct: m?.lossPct ?? cur?.lossPct ?? null,
      jitterMs: m?.jitterMs ?? cur?.jitterMs ?? null,
    };
  }
  const prevPolicyTime = prev?.policiesTimeMs ?? 0;
  const usePolicy = replacingPolicy(prev, report);
  const { lastSeq } = seqRange(report);
  const sameBoot = prev?.bootId === report.bootId;
  return {
    lastSeenMs: nowMs,
    bootId: report.bootId,
    ackSeq: sameBoot ? Math.max(prev.ackSeq, lastSeq) : lastSeq,
    reportIntervalMs: report.reportIntervalMs,
    ifaces,
    policies: usePolicy ? usePolicy.policies : (prev?.policies ?? []),
    policiesTimeMs: usePolicy ? usePolicy.timeMs : prevPolicyTime,
  };
}
