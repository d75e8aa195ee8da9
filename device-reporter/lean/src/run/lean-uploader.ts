/**
 * The lean build's uploader: the shared batch plan (batch-plan.ts), route order (route-order.ts)
 * and backoff decide; luasocket posts, in a long-lived forked worker that tries the routes in order
 * (a dead WAN costs its connect timeout there, never in the loop that runs the trackers). One
 * upload at a time.
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
import * as signal from 'posix.signal';
import * as socket from 'socket';
import { pollChildren, type Child, type ChildResult } from '../platform/children.ts';
import { decodeJson } from '../platform/json-decode.ts';
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
  /** Starts the upload that is due, if none runs; returns when it wants to run next (undefined: on an event). */
  step(): number | undefined;
  busy(): boolean;
  retryNow(): void;
  /**
   * The tracker's last round on `iface` failed: an upload waiting on it is cut off and sent again
   * over the next route at once (as the Node build aborts that attempt), rather than after the
   * connect timeout on a link that may be dead.
   */
  routeDown(iface: string): void;
  stats(): { uploadedRecords: number; rejectedRecords: number };
}

const ROUTE_COOLDOWN_MS = 30_000;
const CONNECT_TIMEOUT_S = 4;
const REQUEST_TIMEOUT_S = 20;

interface Attempt {
  outcome: PostOutcome;
  /** The route that answered (any outcome but `network`). */
  route?: string;
  /** Routes that failed at the network level first, with why. */
  failed: [string, string][];
}

export function createLeanUploader(
  o: LeanUploaderOptions,
  deps: {
    spool: LeanSpool;
    routes: (this: void) => UploadRoute[];
    nowMs: (this: void) => number;
    log: LeanLogger;
    /** Runs `request` (uploadRequest) in the upload worker; `done` gets its answer. Undefined when it could not start. */
    start: (
      this: void,
      request: string,
      deadlineMs: number,
      done: (this: void, r: ChildResult) => void,
    ) => number | undefined;
    kill: (this: void, pid: number) => void;
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
  let inFlight = false;
  /** The upload child and the route it tries first (where a routeDown cuts it off). */
  let current: { pid: number; firstRoute: string | undefined; cut: boolean } | undefined;
  /** After a batch was rejected: its records go one by one, to isolate the bad one. */
  let singles: LeanSpoolEntry[] = [];

  function body(entries: readonly LeanSpoolEntry[]): string {
    return (
      `{"v":1,"deviceId":${encodeJson(o.deviceId)},"bootId":${encodeJson(entries[0]!.bootId)},` +
      `"sentAtMs":${string.format('%d', deps.nowMs())},"reportIntervalMs":${o.reportIntervalMs},` +
      `"agent":${encodeJson(o.agent)},"records":[${entries.map((e) => e.json).join(',')}]}`
    );
  }

  function backOff(out: PostOutcome): void {
    failures++;
    const auth = out.kind === 'auth';
    backoffUntilMs =
      deps.nowMs() + backoffDelayMs(failures, auth ? 60_000 : 1_000, auth ? 3_600_000 : 60_000, math.random);
    deps.log.warn({ outcome: out.kind, failures, retryInMs: backoffUntilMs - deps.nowMs() }, 'upload backing off');
  }

  function settle(entries: LeanSpoolEntry[], kind: 'live' | 'backlog' | 'single', a: Attempt): void {
    for (const [iface, error] of a.failed) {
      failedAtMs.set(iface, deps.nowMs());
      deps.log.warn({ route: iface, error, records: entries.length }, 'upload failed on this route');
    }
    const out = a.outcome;
    if (out.kind === 'ack' && out.bootId === entries[0]!.bootId) {
      if (a.route !== undefined) {
        lastGoodIface = a.route;
        failedAtMs.delete(a.route);
        deps.onUploaded?.(a.route);
      }
      const covered = entries.filter((e) => e.seq <= out.ackSeq).map((e) => e.seq);
      deps.spool.ack(covered);
      uploadedRecords += covered.length;
      failures = 0;
      if (kind !== 'single') plan.lastKind = kind;
      if (kind === 'backlog') plan.backfillNextMs = nextBackfillMs(deps.nowMs(), entries.length, batch);
      return;
    }
    if (out.kind === 'rejected') {
      if (entries.length === 1) {
        deps.spool.ack([entries[0]!.seq]);
        rejectedRecords++;
        deps.log.error({ seq: entries[0]!.seq, status: out.status, detail: out.detail }, 'record rejected');
      } else singles = [...entries];
      return;
    }
    backOff(out.kind === 'ack' ? { kind: 'network', error: 'ack of another boot' } : out);
  }

  function send(entries: LeanSpoolEntry[], kind: 'live' | 'backlog' | 'single'): void {
    deps.spool.sync();
    const text = body(entries);
    const routes = orderRoutes(deps.routes(), { lastGoodIface, failedAtMs }, deps.nowMs(), ROUTE_COOLDOWN_MS);
    const request = `${encodeJson(routes.map((r) => [r.iface, r.localAddress ?? '']))}\n${text}`;
    const deadlineMs = deps.nowMs() + (routes.length * (CONNECT_TIMEOUT_S + REQUEST_TIMEOUT_S) + 5) * 1000;
    const pid = deps.start(request, deadlineMs, (r) => {
      inFlight = false;
      const was = current;
      current = undefined;
      if (was?.cut === true) {
        if (was.firstRoute !== undefined) failedAtMs.set(was.firstRoute, deps.nowMs());
        deps.log.info({ route: was.firstRoute, records: entries.length }, 'upload cut off: its WAN failed a round');
        return;
      }
      const [ok, a] = pcall(() => decodeJson(r.output).value as Attempt);
      const valid = ok && typeof a === 'object' && typeof a.outcome === 'object';
      settle(
        entries,
        kind,
        valid
          ? { ...a, failed: a.failed ?? [] }
          : { outcome: { kind: 'network', error: 'upload child failed' }, failed: [] },
      );
    });
    inFlight = pid !== undefined;
    if (pid !== undefined) current = { pid, firstRoute: routes[0]?.iface, cut: false };
    else backOff({ kind: 'network', error: 'fork failed' });
  }

  return {
    step() {
      if (inFlight) return undefined;
      const now = deps.nowMs();
      if (now < backoffUntilMs) return backoffUntilMs;
      const single = singles.shift();
      if (single !== undefined) {
        send([single], 'single');
        return undefined;
      }
      const p = planNextBatch(deps.spool.pending(), now, plan, batch);
      if (p.kind === 'wait') return p.untilMs;
      send(p.entries, p.batch);
      return undefined;
    },
    busy: () => inFlight,
    retryNow() {
      backoffUntilMs = 0;
    },
    routeDown(iface) {
      failedAtMs.set(iface, deps.nowMs());
      if (current === undefined || current.cut || current.firstRoute !== iface) return;
      current.cut = true;
      deps.kill(current.pid);
    },
    stats: () => ({ uploadedRecords, rejectedRecords }),
  };
}

/**
 * At stop: uploads what is spooled until `deadlineMs` (an upload in flight may finish), then ends
 * whatever still runs; what was not acknowledged stays spooled for the next start.
 */
export function flushUploads(
  spool: LeanSpool,
  uploader: LeanUploader,
  children: Map<number, Child>,
  deadlineMs: number,
): void {
  const now = (): number => math.floor(socket.gettime() * 1000);
  uploader.retryNow();
  while ((spool.pending().length > 0 || uploader.busy()) && now() < deadlineMs) {
    const next = uploader.step();
    const waitMs = Math.max(0, Math.min(200, (next ?? now() + 200) - now()));
    if (children.size > 0) pollChildren(children, waitMs, now);
    else socket.sleep(waitMs / 1000);
  }
  for (const c of [...children.values()]) signal.kill(c.pid, signal.SIGKILL);
  while (children.size > 0) pollChildren(children, 100, now);
}

/**
 * In the upload worker: one request (the routes in order as a JSON line, then the body) tried
 * route after route until one answers; the attempt as JSON for `settle`.
 */
export function handleUploadRequest(o: LeanUploaderOptions, request: string): string {
  const nl = request.indexOf('\n');
  const routes = decodeJson(request.slice(0, nl)).value as [string, string][];
  const text = request.slice(nl + 1);
  const failed: [string, string][] = [];
  for (const [iface, localAddress] of routes) {
    const outcome = postReport(o.server, text, {
      token: o.token,
      agent: o.agent,
      ...(localAddress !== '' ? { localAddress } : {}),
      connectTimeoutS: CONNECT_TIMEOUT_S,
      requestTimeoutS: REQUEST_TIMEOUT_S,
    });
    if (outcome.kind !== 'network') return encodeJson({ outcome, route: iface, failed });
    failed.push([iface, outcome.error]);
  }
  return encodeJson({ outcome: { kind: 'network', error: 'every route failed' }, failed });
}
