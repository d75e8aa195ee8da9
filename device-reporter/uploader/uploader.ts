import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { SpoolEntry } from '../spool/spool.ts';
import type { ReporterLogger } from '../spool/logger.ts';
import {
  DEFAULT_BATCH_OPTIONS,
  nextBackfillMs,
  planNextBatch,
  type BatchOptions,
  type PlanState,
} from './batch-plan.ts';
import type { ReportTransport, TransportOutcome } from './http-transport.ts';
import { raceRoutes } from './route-race.ts';
import { backoffDelayMs, orderRoutes, type UploadRoute } from './routes.ts';

const gzip = promisify(gzipCb);

/**
 * The upload loop (I/O shell around batch-plan.ts and routes.ts): one request at a time, so the
 * spool's pending list is the single source of truth and nothing is in flight twice.
 * Records are deleted from the spool only when an ack covers them (`seq <= ackSeq` of that boot).
 */
export interface UploaderSpool {
  pending(): readonly SpoolEntry[];
  ack(seqs: Iterable<number>): void;
  sync(): void;
}

export interface UploaderOptions extends BatchOptions {
  deviceId: string;
  reportIntervalMs: number;
  agent?: string;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** A WAN whose upload failed is tried after the others for this long. */
  routeCooldownMs: number;
  /**
   * An upload that has not connected through its WAN within this long is raced through the next WAN
   * (route-race.ts); 0 = one WAN after the other, each up to the transport's connect timeout.
   */
  connectRaceMs: number;
}

export const DEFAULT_UPLOADER_OPTIONS = {
  ...DEFAULT_BATCH_OPTIONS,
  backoffBaseMs: 1_000,
  backoffMaxMs: 300_000,
  routeCooldownMs: 30_000,
  connectRaceMs: 1_000,
};

export interface UploaderDeps {
  spool: UploaderSpool;
  transport: ReportTransport;
  /** Current routes (one per WAN with its source address, plus `default`), asked before every upload. */
  routes: () => UploadRoute[];
  logger: ReporterLogger;
  nowMs?: () => number;
  random?: () => number;
}

export interface UploaderStats {
  uploads: number;
  uploadedRecords: number;
  failedAttempts: number;
  consecutiveFailures: number;
  rejectedRecords: number;
  lastAckMs: number | null;
  lastRoute: string | null;
  /** iface -> successful uploads through it. */
  byRoute: Record<string, number>;
}

export interface Uploader {
  start(): void;
  /** Call after appending: a transition goes out at once, samples when their batch is due. */
  wake(): void;
  /** A link just came back: end any backoff and try at once (a cut-off site reports the moment it can). */
  retryNow(): void;
  /**
   * The tracker saw `iface` fail (a failed round, or offline): an upload in flight through it is
   * abandoned at once and goes through the next WAN, instead of waiting out a connect or answer
   * timeout on a dead link (which would hold back the very transition that says the link died).
   * Sending a batch again is safe: the backend rewrites the same points and queues a transition once.
   */
  routeDown(iface: string): void;
  /** Sends everything pending now, ignoring batch timers and the back-fill rate; true when the spool is empty. */
  flush(timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
  stats(): UploaderStats;
}

export function createUploader(
  o: Partial<UploaderOptions> & Pick<UploaderOptions, 'deviceId' | 'reportIntervalMs'>,
  deps: UploaderDeps,
): Uploader {
  const opts: UploaderOptions = { ...DEFAULT_UPLOADER_OPTIONS, ...o };
  const nowMs = deps.nowMs ?? Date.now;
  const random = deps.random ?? Math.random;
  const log = deps.logger;
  const planState: PlanState = { lastKind: undefined, backfillNextMs: 0 };
  const failedAtMs = new Map<string, number>();
  let lastGoodIface: string | undefined;
  let backoffUntilMs = 0;
  let flushing = 0;
  let stopped = false;
  let loopDone: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  /** The running attempts of the upload in flight, by WAN (see routeDown). */
  let inFlight = new Map<string, AbortController>();
  const st: UploaderStats = {
    uploads: 0,
    uploadedRecords: 0,
    failedAttempts: 0,
    consecutiveFailures: 0,
    rejectedRecords: 0,
    lastAckMs: null,
    lastRoute: null,
    byRoute: {},
  };

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(t);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      const now = nowMs();
      if (backoffUntilMs > now && flushing === 0) {
        await sleep(backoffUntilMs - now);
        continue;
      }
      const plan = flushing
        ? planNextBatch(deps.spool.pending(), now, { ...planState, backfillNextMs: 0 }, { ...opts, maxDelayMs: 0 })
        : planNextBatch(deps.spool.pending(), now, planState, opts);
      if (plan.kind === 'wait') {
        await sleep(plan.untilMs === undefined ? 60_000 : plan.untilMs - now);
        continue;
      }
      const ok = await sendBatch(plan.entries);
      planState.lastKind = plan.batch;
      if (plan.batch === 'backlog') planState.backfillNextMs = nextBackfillMs(nowMs(), plan.entries.length, opts);
      if (!ok && flushing) await sleep(Math.min(1_000, backoffUntilMs - nowMs()));
    }
  }

  /** Sends one batch; true when every record of it is settled (acknowledged or rejected for good). */
  async function sendBatch(entries: readonly SpoolEntry[]): Promise<boolean> {
    deps.spool.sync(); // what the server sees must survive a power cut here, or seq could go back
    const bootId = entries[0]!.bootId;
    const body = await gzip(reportJson(entries, bootId));
    const { outcome, route } = await sendViaRoutes(body);
    if (outcome.kind === 'ack' && outcome.ack.bootId === bootId) {
      const covered = entries.filter((e) => e.seq <= outcome.ack.ackSeq).map((e) => e.seq);
      deps.spool.ack(covered);
      if (st.consecutiveFailures > 0)
        log.info({ failedAttempts: st.consecutiveFailures, via: route }, 'upload recovered');
      st.consecutiveFailures = 0;
      st.uploads++;
      st.uploadedRecords += covered.length;
      st.lastAckMs = nowMs();
      st.byRoute[route] = (st.byRoute[route] ?? 0) + 1;
      return covered.length === entries.length;
    }
    if (outcome.kind === 'rejected') return rejected(entries, outcome);
    failed(outcome, route);
    return false;
  }

  async function rejected(
    entries: readonly SpoolEntry[],
    out: Extract<TransportOutcome, { kind: 'rejected' }>,
  ): Promise<boolean> {
    if (entries.length > 1) {
      // Bisect to find the record the server refuses; the others still go through.
      const mid = entries.length >> 1;
      const a = await sendBatch(entries.slice(0, mid));
      return (await sendBatch(entries.slice(mid))) && a;
    }
    const e = entries[0]!;
    st.rejectedRecords++;
    log.error(
      { seq: e.seq, type: e.type, status: out.status, code: out.code, detail: out.detail },
      'server rejected a record for good; dropping it',
    );
    deps.spool.ack([e.seq]);
    return true;
  }

  function failed(out: TransportOutcome, route: string): void {
    st.failedAttempts++;
    st.consecutiveFailures++;
    const base = out.kind === 'auth' ? Math.max(opts.backoffBaseMs, 60_000) : opts.backoffBaseMs;
    const retryAfter = out.kind === 'server' ? (out.retryAfterMs ?? 0) : 0;
    const delay = Math.max(retryAfter, backoffDelayMs(st.consecutiveFailures, base, opts.backoffMaxMs, random));
    backoffUntilMs = nowMs() + delay;
    const fields = { outcome: out, via: route, failures: st.consecutiveFailures, retryInMs: delay };
    if (out.kind === 'auth') log.error(fields, 'upload refused: check the device id and token');
    else if (st.consecutiveFailures === 1) log.warn(fields, 'upload failed on every route; backing off');
    else log.debug(fields, 'upload failed again');
  }

  async function sendViaRoutes(body: Buffer): Promise<{ outcome: TransportOutcome; route: string }> {
    const ordered = orderRoutes(deps.routes(), { lastGoodIface, failedAtMs }, nowMs(), opts.routeCooldownMs);
    inFlight = new Map();
    const race = await raceRoutes(ordered, (r, o) => deps.transport.post(r, body, o), opts.connectRaceMs, inFlight);
    for (const f of race.failed) {
      failedAtMs.set(f.route.iface, nowMs());
      log.debug(
        { via: f.route.iface, localAddress: f.route.localAddress, error: f.error },
        'upload through this WAN failed',
      );
    }
    const { outcome, route: r } = race;
    if (!r || outcome.kind === 'network') return { outcome, route: r?.iface ?? 'none' };
    failedAtMs.delete(r.iface);
    if (lastGoodIface !== r.iface)
      log.info(
        { via: r.iface, device: r.device, localAddress: r.localAddress, previous: lastGoodIface },
        'uploading through WAN',
      );
    lastGoodIface = r.iface;
    st.lastRoute = r.iface;
    return { outcome, route: r.iface };
  }

  function reportJson(entries: readonly SpoolEntry[], bootId: string): string {
    const head = JSON.stringify({
      v: 1,
      deviceId: opts.deviceId,
      bootId,
      sentAtMs: nowMs(),
      reportIntervalMs: opts.reportIntervalMs,
      ...(opts.agent ? { agent: opts.agent } : {}),
    });
    return `${head.slice(0, -1)},"records":[${entries.map((e) => e.json).join(',')}]}`;
  }

  return {
    start() {
      loopDone ??= loop().catch((err: unknown) => log.error({ err }, 'upload loop crashed'));
    },
    wake() {
      wakeUp?.();
    },
    retryNow() {
      backoffUntilMs = 0;
      wakeUp?.();
    },
    routeDown(iface) {
      inFlight.get(iface)?.abort(new Error(`${iface} failed a probe round`));
    },
    async flush(timeoutMs) {
      flushing++;
      wakeUp?.();
      const deadline = nowMs() + timeoutMs;
      try {
        while (deps.spool.pending().length > 0 && nowMs() < deadline && !stopped)
          await new Promise((r) => setTimeout(r, 25));
      } finally {
        flushing--;
      }
      return deps.spool.pending().length === 0;
    },
    async stop() {
      stopped = true;
      wakeUp?.();
      await loopDone;
      deps.transport.close();
    },
    stats: () => ({ ...st, byRoute: { ...st.byRoute } }),
  };
}
