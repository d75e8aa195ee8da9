import express, { Router } from 'express';
import type { Logger } from 'pino';
import { ProblemError, findExpiredRecord, findFutureRecord, reportV1Schema } from '../../contract/index.ts';
import type { ReportAck, ReportV1, TransitionRecord } from '../../contract/index.ts';
import {
  LIVE_MERGE_FIELDS,
  liveFields,
  parseLiveMergeFields,
  publishLiveChange,
  redisOp,
  type RedisKeys,
} from '../../store/index.ts';
import type { Redis } from 'ioredis';
import { authenticate, type AuthDeps } from '../auth.ts';
import { parseBody } from '../validate.ts';
import { reportLines } from '../core/report-points.ts';
import {
  buildDeviceEventsJob,
  buildRoundsJob,
  isBackfill,
  latestMetrics,
  seenMember,
  seqRange,
  transitionsOf,
} from '../core/report-events.ts';
import type { DeviceStore } from '../device-store.ts';
import type { PointWriter } from './point-writer.ts';
import { liveUpdateOf, nextLive, replacingPolicy, type LiveMerger } from './live-merge.ts';
import type { EventQueue } from '../event-queue.ts';
import type { IngestMetrics } from '../metrics.ts';
import { expectedBodyBytes, type BodyBudget } from '../body-budget.ts';
import { BUSY_RETRY_MS, RetryLaterProblem, utf8Text } from '../http-problems.ts';
import type { NameAdmission } from '../name-admission.ts';
import { budgetsOf, namesOf } from '../core/name-budget.ts';
import type { DeviceGate } from '../device-gate.ts';
import type { Principal } from '../auth.ts';

/** Seen transitions are remembered 30 days: longer than any spool keeps a record. */
const SEEN_TTL_S = 30 * 24 * 3600;

export interface ReportsApiDeps {
  auth: AuthDeps;
  store: DeviceStore;
  redis: Redis;
  keys: RedisKeys;
  points: PointWriter;
  queue: EventQueue;
  nowMs: () => number;
  logger: Logger;
  metrics: IngestMetrics;
  maxReportBytes: number;
  /** Cap on the bodies in memory at once (body-budget.ts). */
  bodies: BodyBudget;
  /** ZADD keys.lastSeen, shared by the requests of a tick (createLastSeenWriter). */
  touchLastSeen: (id: string, lastSeenMs: number) => Promise<void>;
  /** Live-state merge inside Redis for samples-only reports, batched per tick (createLiveMerger). */
  mergeLive: LiveMerger;
  /** Duration of the `raw` retention policy: older samples cannot be stored (WANWATCH_RAW_RETENTION). */
  rawRetentionMs: number;
  /** Per-device name budgets and the fleet tag-value guard (createNameAdmission). */
  names: NameAdmission;
  /** One report of a device at a time (createDeviceGate). */
  gate: DeviceGate;
}

/**
 * Waits for the device's turn (see DeviceGate); the admin's reports are refused later, without
 * waiting. The turn ends with the client's connection too: a report whose client left (a
 * reporter's timeout) must not hold it while it waits, nor while a stuck service call keeps it
 * busy. Resolves to the release (call it with the answer's status), or undefined when the client
 * left while waiting (the turn is already handed on; nothing to answer).
 */
export async function enterGate(
  deps: Pick<ReportsApiDeps, 'gate'>,
  principal: Principal,
  res: { once(event: 'close', listener: () => void): unknown; statusCode: number },
): Promise<((status?: number) => void) | undefined> {
  if (principal.kind !== 'device') return () => {};
  let gone = false;
  const turn = deps.gate.enter(principal.deviceId);
  res.once('close', () => {
    gone = true;
    // A turn refused (device_busy) has nothing to release; a release twice is a no-op.
    turn.then(
      (release) => release(res.statusCode),
      () => undefined,
    );
  });
  const release = await turn;
  if (!gone) return release;
  release();
  return undefined;
}

/**
 * POST /reports. Order matters for "never lose, never duplicate":
 * InfluxDB write -> queue add (deterministic jobId) -> mark transitions seen -> live state -> ack.
 * A crash between any two steps makes the reporter retry; the retry rewrites the same points, and
 * the same jobId keeps the job from being queued twice.
 */
export function reportsHttpApi(deps: ReportsApiDeps): Router {
  const router = Router();
  // `verify` sees the bytes (inflated) before they are decoded: invalid UTF-8 is refused as on the fast path.
  const json = express.json({ limit: deps.maxReportBytes, inflate: true, verify: (_req, _res, buf) => utf8Text(buf) });
  router.post(
    '/api/v1/reports',
    async (req, res, next) => {
      res.locals.principal = await authenticate(req, deps.auth);
      // The body parser would decode other charsets (UTF-16 into nonsense); the API speaks UTF-8 only.
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
      if (charset !== undefined && charset.toLowerCase() !== 'utf-8') {
        throw new ProblemError('unsupported_media_type', `charset must be utf-8 (got "${charset}")`);
      }
      const gzip = /\bgzip\b/i.test(req.headers['content-encoding'] ?? '');
      const release = deps.bodies.reserve(expectedBodyBytes(req.headers['content-length'], gzip, deps.maxReportBytes));
      if (!release) throw new RetryLaterProblem('server_busy', BUSY_RETRY_MS);
      res.once('close', release);
      next();
    },
    json,
    async (_req, res, next) => {
      if (await enterGate(deps, res.locals.principal as Principal, res)) next();
    },
    async (req, res) => {
      const principal = res.locals.principal as Awaited<ReturnType<typeof authenticate>>;
      const report = parseBody(reportV1Schema, req.body);
      checkReportAdmissible(principal, report, deps.nowMs());
      const ack = await ingestReport(deps, report);
      res.status(200).json(ack);
    },
  );
  return router;
}

/**
 * Checks a schema-valid report against who sent it and the server clock; shared by the express
 * route and the fast path so both refuse exactly the same reports.
 *
 * | token's principal          | report.deviceId | a record > 5 min ahead | result                |
 * |----------------------------|-----------------|------------------------|-----------------------|
 * | not this device (or admin) | any             | any                    | `forbidden_device`    |
 * | this device                | own id          | yes                    | `timestamp_in_future` |
 * | this device                | own id          | no                     | admissible            |
 */
export function checkReportAdmissible(
  principal: Awaited<ReturnType<typeof authenticate>>,
  report: ReportV1,
  nowMs: number,
): void {
  if (principal.kind !== 'device' || principal.deviceId !== report.deviceId) {
    throw new ProblemError('forbidden_device', `this token may not write as device "${report.deviceId}"`);
  }
  const future = findFutureRecord(report, nowMs);
  if (future) {
    throw new ProblemError('timestamp_in_future', `records.${future.index}.timeMs ${future.timeMs} is in the future`, [
      { path: `records.${future.index}.timeMs`, message: 'more than 5 minutes ahead of the server clock' },
    ]);
  }
}

/** Whether every record is a sample: nothing for alerting, so the live state needs no read first. */
function samplesOnly(report: ReportV1): boolean {
  for (const r of report.records) if (r.type !== 'sample') return false;
  return true;
}

/**
 * What the storage can hold, checked before anything is written; each refusal is a 422 that the
 * reporter answers by isolating and dropping the record, since a retry could never succeed.
 *
 * | check                                              | problem                |
 * |----------------------------------------------------|------------------------|
 * | a sample/policy older than raw retention - 1 h     | `record_too_old`       |
 * | a name new to the device beyond its budget         | `name_budget_exceeded` |
 * | a name new to the fleet beyond the tag-value guard | `fleet_tag_limit`      |
 */
async function checkStorable(deps: ReportsApiDeps, report: ReportV1): Promise<void> {
  const expired = findExpiredRecord(report, deps.nowMs(), deps.rawRetentionMs);
  if (expired) {
    const path = `records.${expired.index}.timeMs`;
    throw new ProblemError(
      'record_too_old',
      `${path} ${expired.timeMs} is older than the raw retention policy keeps (${Math.round(deps.rawRetentionMs / 86_400_000)} d)`,
      [{ path, message: 'older than the raw retention policy' }],
    );
  }
  // The record authentication has just read (cached): no extra Redis round trip.
  const record = await deps.store.getForAuth(report.deviceId);
  await deps.names.admit(report.deviceId, record?.createdAtMs ?? 0, namesOf(report), budgetsOf(record));
}

export async function ingestReport(deps: ReportsApiDeps, report: ReportV1): Promise<ReportAck> {
  await checkStorable(deps, report);
  const duplicateTransitions = samplesOnly(report)
    ? await ingestSamples(deps, report)
    : await ingestWithEvents(deps, report);
  return {
    v: 1,
    bootId: report.bootId,
    ackSeq: seqRange(report).lastSeq,
    accepted: report.records.length,
    duplicateTransitions,
  };
}

async function writePoints(deps: ReportsApiDeps, report: ReportV1): Promise<void> {
  const lines = reportLines(report);
  await deps.points.write(lines);
  deps.metrics.pointsWritten.inc(lines.raw.length + lines.forever.length);
}

/** Nearly every report: points, then one merge of the live state that Redis does by itself. Returns 0 duplicates. */
async function ingestSamples(deps: ReportsApiDeps, report: ReportV1): Promise<number> {
  await writePoints(deps, report);
  const nowMs = deps.nowMs();
  // The rounds record (in the tick's rounds batch) and the live merge go out together (one wait,
  // not two): the ack waits for both. Either may fail alone; the reporter then retries, which queues
  // the rounds again (alerting skips rounds it has applied) and merges again (a merge of the same
  // samples changes nothing but lastSeenMs).
  const metrics = latestMetrics(report);
  const ev = buildRoundsJob(report, nowMs, isBackfill(report, nowMs, undefined), metrics);
  await Promise.all([
    ev ? deps.queue.addRounds(ev.job) : undefined,
    redisOp('writing device state', () => deps.mergeLive(liveUpdateOf(report, nowMs, metrics))),
  ]);
  return 0;
}

/** Reports with transitions or policy snapshots: read the state, queue the alerting job, write. Returns the duplicates. */
async function ingestWithEvents(deps: ReportsApiDeps, report: ReportV1): Promise<number> {
  const { keys, redis } = deps;
  const id = report.deviceId;
  const seenKey = keys.seenTransitions(id);
  const transitions = transitionsOf(report);
  const members = transitions.map((t) => seenMember(report.bootId, t.seq));
  // The reads go out while the points are being written (they change nothing, so order does not
  // matter for them; it does for every write below). Single commands, not pipelines: with ioredis
  // auto-pipelining, the commands of all requests of a tick go out in one socket write.
  const reads = redisOp('reading device state', () =>
    Promise.all([
      redis.hmget(keys.live(id), ...LIVE_MERGE_FIELDS),
      members.length ? redis.smismember(seenKey, ...members) : Promise.resolve([] as number[]),
    ]),
  );
  reads.catch(() => undefined); // awaited below; when the InfluxDB write fails first, its error answers
  await writePoints(deps, report);
  const [liveHash, flags] = await reads;
  const nowMs = deps.nowMs();
  const prevLive = parseLiveMergeFields(liveHash);
  const fresh: TransitionRecord[] = transitions.filter((_t, i) => flags[i] !== 1);
  const backfill = isBackfill(report, nowMs, prevLive?.lastSeenMs);
  const ev = buildDeviceEventsJob(report, fresh, nowMs, backfill) ?? buildRoundsJob(report, nowMs, backfill);
  // A new transition gets a job of its own (its id keeps a retried report from queueing it twice);
  // policy snapshots and rounds, applied once by their seq and time, join the tick's batch.
  if (ev) await (fresh.length > 0 ? deps.queue.add(ev.jobId, ev.job) : deps.queue.addRounds(ev.job));
  const live = nextLive(prevLive, report, nowMs);
  // `policies` was not read (prevLive has none): written only when this report replaces it, or
  // when the hash is new. Leaving it alone otherwise keeps the stored snapshot, as rewriting it would.
  const withPolicies = prevLive === undefined || replacingPolicy(prevLive, report) !== undefined;
  // No MULTI needed: each write is idempotent and a retry redoes any that a crash left out (the seen
  // set only ever suppresses transitions whose job is already queued).
  await redisOp('writing device state', () =>
    Promise.all([
      ...(fresh.length
        ? [
            redis.sadd(seenKey, ...fresh.map((t) => seenMember(report.bootId, t.seq))),
            redis.expire(seenKey, SEEN_TTL_S),
          ]
        : []),
      redis.hset(keys.live(id), liveFields(live, withPolicies)),
      deps.touchLastSeen(id, live.lastSeenMs),
    ]),
  );
  publishLiveChange(redis, keys.liveChanges, [id]);
  deps.metrics.transitionsQueued.inc(fresh.length);
  return transitions.length - fresh.length;
}
