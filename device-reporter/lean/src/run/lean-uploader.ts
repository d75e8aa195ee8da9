/**
 * The lean build's uploader: the shared batch plan (batch-plan.ts), route order (route-order.ts)
 * and backoff decide; luasocket posts. One upload at a time, synchronously, with short connect
 * timeouts, so a dead WAN costs at most `connectTimeoutS` before the next WAN is tried.
 *
 * | outcome of a batch on a route | then                                                          |
 * |-------------------------------|---------------------------------------------------------------|
 * | ack                           | acknowledged records leave the spool; this route goes first   |
 * | network                       | the next route at once; this one is tried last for a while    |
 * | server (429, 5xx, 404)        | back off (exponential, jittered), keep every record           |
 * | auth (401, 403)               | back off long, keep every record                              |
 * | rejected (400, 413, 415, 422) | one record: dropped and counted; several: sent one by one     |
 */
import {
  DEFAULT_BATCH_OPTIONS,
  nextBackfillMs,
  planNextBatch,
  type BatchOptions,
  type PlanState,
} from '../../../uploader/batch-plan.ts';
import { backoffDelayMs, orderRoutes, type UploadRoute } from '../../../uploader/route-order.ts';
import { encodeJson } from '../platform/json-encode.ts';
import { postReport, type PostOutcome, type ServerUrl } from '../platform/http-post.ts';
import type { LeanSpool, LeanSpoolEntry } from '../spool/lean-spool.ts';
import type { LeanLogger } from './lean-logger.ts';

export interface LeanUploaderOptions {
  server: ServerUrl;
  token: string;
  deviceId: string;
  agent: string;
  reportIntervalMs: number;
  batch?: Partial<BatchOptions>;
}

export interface LeanUploader {
  /** Sends what is due; returns when it wants to run next (undefined: when records arrive). */
  step(): number | undefined;
  retryNow(): void;
  stats(): { uploadedRecords: number; rejectedRecords: number };
}

const ROUTE_COOLDOWN_MS = 30_000;

export function createLeanUploader(
  o: LeanUploaderOptions,
  deps: {
    spool: LeanSpool;
    routes: (this: void) => UploadRoute[];
    nowMs: (this: void) => number;
    log: LeanLogger;
    onUploaded?: (this: void, iface: string) => void;
  },
): LeanUploader {
  const batch: BatchOptions = { ...DEFAULT_BATCH_OPTIONS, maxDelayMs: o.reportIntervalMs, ...o.batch };
  const plan: PlanState = { lastKind: undefined, backfillNextMs: 0 };
  let failures = 0;
  let backoffUntilMs = 0;
  let lastGoodIface: string | undefined;
  const failedAtMs = new Map<string, number>();
  let uploadedRecords = 0;
  let rejectedRecords = 0;

  function body(entries: readonly LeanSpoolEntry[]): string {
    return (
      `{"v":1,"deviceId":${encodeJson(o.deviceId)},"bootId":${encodeJson(entries[0]!.bootId)},` +
      `"sentAtMs":${string.format('%d', deps.nowMs())},"reportIntervalMs":${o.reportIntervalMs},` +
      `"agent":${encodeJson(o.agent)},"records":[${entries.map((e) => e.json).join(',')}]}`
    );
  }

  /** Tries the routes in order until one answers; network failures fall through to the next. */
  function send(entries: readonly LeanSpoolEntry[]): PostOutcome {
    deps.spool.sync();
    const text = body(entries);
    let last: PostOutcome = { kind: 'network', error: 'no route' };
    for (const r of orderRoutes(deps.routes(), { lastGoodIface, failedAtMs }, deps.nowMs(), ROUTE_COOLDOWN_MS)) {
      last = postReport(o.server, text, {
        token: o.token,
        agent: o.agent,
        ...(r.localAddress !== undefined ? { localAddress: r.localAddress } : {}),
        connectTimeoutS: 4,
        requestTimeoutS: 20,
      });
      if (last.kind === 'network') {
        failedAtMs.set(r.iface, deps.nowMs());
        deps.log.warn({ route: r.iface, error: last.error, records: entries.length }, 'upload failed on this route');
        continue;
      }
      if (last.kind === 'ack') {
        lastGoodIface = r.iface;
        deps.onUploaded?.(r.iface);
        failedAtMs.delete(r.iface);
      }
      return last;
    }
    return last;
  }

  function acked(entries: readonly LeanSpoolEntry[], out: PostOutcome): boolean {
    if (out.kind !== 'ack' || out.bootId !== entries[0]!.bootId) return false;
    const covered = entries.filter((e) => e.seq <= out.ackSeq).map((e) => e.seq);
    deps.spool.ack(covered);
    uploadedRecords += covered.length;
    return true;
  }

  function backOff(out: PostOutcome): void {
    failures++;
    const baseMs = out.kind === 'auth' ? 60_000 : 1_000;
    backoffUntilMs =
      deps.nowMs() + backoffDelayMs(failures, baseMs, out.kind === 'auth' ? 3_600_000 : 60_000, math.random);
    deps.log.warn({ outcome: out.kind, failures, retryInMs: backoffUntilMs - deps.nowMs() }, 'upload backing off');
  }

  return {
    step() {
      const now = deps.nowMs();
      if (now < backoffUntilMs) return backoffUntilMs;
      const p = planNextBatch(deps.spool.pending(), now, plan, batch);
      if (p.kind === 'wait') return p.untilMs;
      const out = send(p.entries);
      if (acked(p.entries, out)) {
        failures = 0;
        plan.lastKind = p.batch;
        if (p.batch === 'backlog') plan.backfillNextMs = nextBackfillMs(deps.nowMs(), p.entries.length, batch);
        return deps.nowMs();
      }
      if (out.kind === 'rejected') {
        if (p.entries.length === 1) {
          deps.spool.ack([p.entries[0]!.seq]);
          rejectedRecords++;
          deps.log.error({ seq: p.entries[0]!.seq, status: out.status, detail: out.detail }, 'record rejected');
        } else
          for (const e of p.entries) {
            const one = send([e]);
            if (acked([e], one)) continue;
            if (one.kind === 'rejected') {
              deps.spool.ack([e.seq]);
              rejectedRecords++;
              deps.log.error({ seq: e.seq, status: one.status, detail: one.detail }, 'record rejected');
            } else {
              backOff(one);
              break;
            }
          }
        return deps.nowMs();
      }
      backOff(out);
      return backoffUntilMs;
    },
    retryNow() {
      backoffUntilMs = 0;
    },
    stats: () => ({ uploadedRecords, rejectedRecords }),
  };
}
