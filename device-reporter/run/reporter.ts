import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IfaceState, PolicySplit, SampleRecord, TransitionRecord } from '../../contract/index.ts';
import { loadTrackedInterfaces, type LoadedTracking } from '../config/load-tracked.ts';
import { computePolicySplits } from '../policies/index.ts';
import { createExecPingProber, createProberRegistry, createTcpConnectProber } from '../probers/index.ts';
import { openSpool, type Spool } from '../spool/index.ts';
import { buildStatusFile } from '../status/build-status-file.ts';
import { writeStatusFile } from '../status/status-file.ts';
import type { IfaceSnapshot } from '../tracker/scheduler.ts';
import { DEFAULT_BATCH_OPTIONS } from '../uploader/batch-plan.ts';
import { createHttpTransport } from '../uploader/http-transport.ts';
import { createUploader, type Uploader } from '../uploader/uploader.ts';
import { openCarriedStateStore } from './carried-state.ts';
import { listenForHotplug, type HotplugEvent } from './hotplug-listener.ts';
import { createLinkTrackers, type LinkTrackers } from './link-trackers.ts';
import { startMwan3Source, type Mwan3Source } from './mwan3-source.ts';
import { policySnapshotReady } from './policy-readiness.ts';
import { diffTrackedInterfaces } from './reload-diff.ts';
import { reportIntervalMs, sampleIntervalMs } from './report-intervals.ts';
import type { ReporterDeps, ReporterOptions, RunningReporter } from './reporter-options.ts';
import { createSourceRuleManager, planSourceRules } from './source-rules.ts';
import { wanUploadRoutes } from './wan-routes.ts';

export type { ReporterDeps, ReporterOptions, RunningReporter } from './reporter-options.ts';
export const AGENT = 'wanwatch-reporter/0.1.0';

/**
 * The running reporter: trackers (or mwan3 itself) -> spool -> uploader, policy snapshots on every
 * state change and every `policyIntervalMs`, the status file after every round. Lifecycle
 * (docs/openwrt.md): a new `bootId` per start (ingest keys transitions by bootId+seq); each
 * interface opens with `start` from its last confirmed state (link-trackers.ts), so the cloud can
 * tell "still down" from "recovered"; the first policy snapshot waits for every interface's state.
 * `reload()` (SIGHUP) restarts only changed/added/removed interfaces (`config` transitions);
 * hotplug `ifdown`/`ifup` act at once; `stop()` (SIGTERM) ends every interface with `stop` (no
 * policy snapshot follows) and flushes for up to `flushTimeoutMs`; the rest stays spooled.
 */
export async function startReporter(o: ReporterOptions, deps: ReporterDeps): Promise<RunningReporter> {
  const log = deps.logger;
  const nowMs = deps.nowMs ?? Date.now;
  const readFile = deps.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const bootId = `${randomBytes(8).toString('hex')}`;
  const spool: Spool = openSpool(
    { dir: o.spoolDir, ...(o.spoolMaxBytes ? { maxBytes: o.spoolMaxBytes } : {}) },
    { logger: log },
  );
  // Probers we create we also close (the ping helper shells); an injected one belongs to the caller.
  const ownPing = deps.prober ? undefined : createExecPingProber();
  const prober =
    deps.prober ??
    createProberRegistry({
      ping: ownPing!,
      tcp: createTcpConnectProber(),
      warn: (msg) => log.warn({}, msg),
    });
  let tracking: LoadedTracking = load();
  let links: LinkTrackers | undefined;
  let mwan3: Mwan3Source | undefined;
  let lastPolicyJson = '';
  let recorded = 0;
  let stopping = false;
  const policyIntervalMs = o.policyIntervalMs ?? 10_000;

  function load(): LoadedTracking {
    const t = loadTrackedInterfaces(
      readFile(o.mwan3ConfigPath),
      o.networkConfigPath ? readFile(o.networkConfigPath) : undefined,
    );
    log.info({ tracked: t.interfaces.map((i) => i.name), untracked: t.untracked }, 'mwan3 config loaded');
    return t;
  }

  const sampleMs = (): number => sampleIntervalMs(tracking, o.source ?? 'native', policyIntervalMs);

  const states = (): Record<string, IfaceState> => links?.states() ?? mwan3?.states() ?? {};
  const snapshots = (): Record<string, IfaceSnapshot> => links?.snapshots() ?? {};

  const sourceRules = o.sourceRules
    ? createSourceRuleManager({ logger: log, ...(deps.ip ? { ip: deps.ip } : {}) })
    : undefined;
  const routes =
    deps.routes ??
    (() => {
      const wan = wanUploadRoutes(tracking, states());
      sourceRules?.sync(planSourceRules(tracking.config.interfaces, wan));
      return [...wan, { iface: 'default', online: true }];
    });

  const uploader: Uploader = createUploader(
    {
      deviceId: o.deviceId,
      reportIntervalMs: reportIntervalMs(sampleMs(), o.uploader?.maxDelayMs ?? DEFAULT_BATCH_OPTIONS.maxDelayMs),
      agent: o.agent ?? AGENT,
      ...o.uploader,
    },
    {
      spool,
      transport:
        deps.transport ?? createHttpTransport({ serverUrl: o.serverUrl, token: o.token, agentName: o.agent ?? AGENT }),
      routes,
      logger: log,
      nowMs,
    },
  );

  function append(rec: Parameters<Spool['append']>[1]): void {
    try {
      const entry = spool.append(bootId, rec);
      recorded++;
      deps.onSpooled?.(entry);
    } catch (err) {
      // Only a bug can produce an invalid record; keep running and say what it was.
      log.error({ err, record: rec }, 'record not spooled');
    }
  }

  function onlineIfaces(): string[] {
    const snaps = snapshots();
    const tracked = Object.entries(states())
      .filter(([name, st]) => snaps[name]?.routed ?? (st === 'online' || st === 'disconnecting'))
      .map(([name]) => name);
    // mwan3 treats an enabled interface without track_ip as up whenever netifd says so.
    const untrackedUp = tracking.untracked.filter((u) => u.reason === 'no track_ip').map((u) => u.name);
    return [...tracked, ...untrackedUp];
  }

  /** A snapshot only when every tracked interface has a state (policy-readiness.ts), never while stopping. */
  function emitPolicies(force: boolean): void {
    if (stopping || tracking.config.policies.length === 0) return;
    const st = states();
    // mwan3 reports its own (confirmed) states from its first poll on, `unknown` for notracking ones.
    const ready = mwan3
      ? Object.keys(st).length > 0
      : policySnapshotReady(
          tracking.interfaces.map((i) => i.name),
          new Map(Object.entries(st)),
        );
    if (!ready) return;
    const policies = computePolicySplits(tracking.config, onlineIfaces());
    const json = JSON.stringify(policies);
    if (!force && json === lastPolicyJson) return;
    lastPolicyJson = json;
    append({ type: 'policy', timeMs: nowMs(), policies });
  }

  function writeStatus(stoppedMs?: number): void {
    const sp = spool.stats();
    const up = uploader.stats();
    try {
      writeStatusFile(
        o.spoolDir,
        buildStatusFile({
          nowMs: nowMs(),
          pid: process.pid,
          writeEveryMs: policyIntervalMs, // the policy timer rewrites it even when no round runs
          ...(stoppedMs !== undefined ? { stoppedMs } : {}),
          states: states(),
          snapshots: snapshots(),
          untracked: tracking.untracked,
          policies: lastPolicyJson ? (JSON.parse(lastPolicyJson) as PolicySplit[]) : [],
          counters: {
            recorded,
            uploaded: up.uploadedRecords,
            pending: sp.pendingRecords,
            dropped: up.rejectedRecords,
            thinned: sp.thinnedSamples,
          },
        }),
      );
    } catch (err) {
      log.warn({ err }, 'status file not written');
    }
  }

  const onSample = (rec: Omit<SampleRecord, 'seq'>) => {
    append(rec);
    writeStatus();
    uploader.wake();
  };
  const onTransition = (rec: Omit<TransitionRecord, 'seq'>) => {
    append(rec);
    // An ending (stop/config, to unknown) is no news about traffic: the split follows the next real state.
    if (rec.to !== 'unknown') emitPolicies(false);
    writeStatus();
    // A link answering again (its first good round: connecting, or online) is the moment a cut-off
    // site can report: end the upload backoff instead of waiting out up to backoffMaxMs.
    if (rec.to === 'connecting' || rec.to === 'online') uploader.retryNow();
    else {
      // A failed round (disconnecting) or offline: an upload waiting on that link goes through
      // another WAN now, rather than after a timeout on a link that may be dead (and long enough
      // for the backend's watchdog to call the whole site unreachable).
      if (rec.to === 'disconnecting' || rec.to === 'offline') uploader.routeDown(rec.iface);
      uploader.wake();
    }
  };

  if (o.source === 'mwan3') {
    mwan3 = startMwan3Source({
      pollMs: sampleMs(),
      onSample,
      onTransition,
      logger: log,
      nowMs,
      ...(deps.readMwan3Status ? { readStatus: deps.readMwan3Status } : {}),
    });
  } else {
    const carried = openCarriedStateStore(o.spoolDir, (err) => log.warn({ err }, 'confirmed link states not saved'));
    links = createLinkTrackers({ prober, nowMs, logger: log, carried, onSample, onTransition });
    for (const i of tracking.interfaces) links.start(i, 'start');
  }
  emitPolicies(false);
  writeStatus();
  uploader.start();
  const policyTimer = setInterval(() => {
    emitPolicies(true);
    writeStatus();
  }, policyIntervalMs);

  // Reloads and netifd events, one at a time in arrival order (each may wait for a tracker to stop).
  let chain = Promise.resolve();
  const serial = (what: string, fn: () => Promise<void>): Promise<void> =>
    (chain = chain.then(fn).catch((err: unknown) => log.error({ err }, `${what} failed`)));
  const hotplug = (ev: HotplugEvent): Promise<void> =>
    serial(`hotplug ${ev.action}`, async () => {
      if (stopping) return;
      // With --source mwan3, mwan3 itself acts on netifd's events and the next poll reports it.
      const known = links ? await links[ev.action](ev.iface) : false;
      log.info({ iface: ev.iface, action: ev.action, tracked: known }, `netifd ${ev.action} ${ev.iface}`);
    });
  const hotplugListener = listenForHotplug(
    o.spoolDir,
    (ev) => void hotplug(ev),
    (obj, msg) => log.warn(obj, msg),
  );
  log.info({ bootId, deviceId: o.deviceId, source: o.source ?? 'native', spool: spool.stats() }, 'reporter started');

  /** `--source mwan3`: every interface mwan3 reported ends with `stop` to `unknown`. */
  async function endMwan3(src: Mwan3Source): Promise<void> {
    const last = src.states();
    await src.stop();
    mwan3 = undefined;
    for (const [iface, from] of Object.entries(last))
      if (from !== 'unknown')
        append({ type: 'transition', timeMs: nowMs(), iface, from, to: 'unknown', score: 0, reason: 'stop' });
  }

  async function reload(): Promise<void> {
    let next: LoadedTracking;
    try {
      next = load();
    } catch (err) {
      log.error({ err }, 'reload failed: keeping the running configuration');
      return;
    }
    const diff = diffTrackedInterfaces(tracking.interfaces, next.interfaces);
    log.info(
      {
        unchanged: diff.unchanged.map((i) => i.name),
        changed: diff.changed.map((i) => i.name),
        added: diff.added.map((i) => i.name),
        removed: diff.removed,
      },
      'reload: restarting only changed interfaces',
    );
    tracking = next;
    if (links) {
      const l = links;
      await Promise.all([...diff.removed, ...diff.changed.map((i) => i.name)].map((n) => l.end(n, 'config')));
      for (const i of [...diff.changed, ...diff.added]) l.start(i, 'config', 'unknown');
    }
    emitPolicies(false);
    writeStatus();
  }

  return {
    bootId,
    reload: () => serial('reload', reload),
    hotplug,
    async stop() {
      stopping = true;
      clearInterval(policyTimer);
      hotplugListener.close();
      await chain;
      if (links) await Promise.all(links.names().map((n) => links!.end(n, 'stop')));
      if (mwan3) await endMwan3(mwan3);
      const flushed = await uploader.flush(o.flushTimeoutMs ?? 5_000);
      await uploader.stop();
      ownPing?.close();
      await sourceRules?.clear();
      const st = spool.stats();
      writeStatus(nowMs());
      spool.close();
      log.info(
        { flushed, pendingRecords: st.pendingRecords },
        flushed ? 'reporter stopped; spool flushed' : 'reporter stopped; records stay spooled for the next start',
      );
    },
    stats: () => ({ spool: spool.stats(), uploader: uploader.stats(), states: states(), recorded }),
  };
}
