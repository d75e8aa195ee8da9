/**
 * `run` in the lean build: one event loop in one process — trackers (ping children read through
 * poll(2)), spool, status file, policy snapshots and uploader — with the Node build's lifecycle
 * (docs/openwrt.md): SIGHUP re-reads the mwan3 and network configuration and restarts only the
 * links that changed; netifd hotplug events are picked up from the spool directory every second.
 */
import type { IfaceState, PolicySplit, SampleRecord, TransitionRecord } from '../../../../contract/index.ts';
import { RUN_HELP } from '../../../cli/help-texts.ts';
import type { LoadedTracking } from '../../../config/load-tracked.ts';
import { computePolicySplits } from '../../../policies/compute-policy-splits.ts';
import { policySnapshotReady } from '../../../run/policy-readiness.ts';
import { reportIntervalMs, sampleIntervalMs } from '../../../run/report-intervals.ts';
import { buildStatusFile } from '../../../status/build-status-file.ts';
import type { IfaceSnapshot } from '../../../tracker/scheduler.ts';
import * as signal from 'posix.signal';
import * as unistd from 'posix.unistd';
import * as socket from 'socket';
import { killChild, pollChildren, type Child } from '../platform/children.ts';
import { createForkedWorker } from '../platform/forked-worker.ts';
import { createShellPool, spawnOnPool } from '../platform/shell-runners.ts';
import { writeFileAtomic, mkdirp } from '../platform/files.ts';
import { parseServerUrl } from '../platform/http-post.ts';
import { encodeJson } from '../platform/json-encode.ts';
import { getEnv, nowMs, pingIsBusybox, writeErr, writeOut } from '../platform/system.ts';
import { openLeanSpool, type UnsequencedRecord } from '../spool/lean-spool.ts';
import { openCarriedLinks } from './carried-links.ts';
import { createLeanLogger } from './lean-logger.ts';
import { createLeanUploader, flushUploads, handleUploadRequest } from './lean-uploader.ts';
import { loadTracking, newBootId, readConfig } from './run-config-read.ts';
import { openHotplugDir } from './hotplug-poll.ts';
import { createLeanLinks, onlineIfaces, snapshotsOf, statesOf } from './lean-links.ts';
import type { LinkTracker } from './link-tracker.ts';
import { createLeanMwan3Source, type LeanMwan3Source } from './mwan3-ubus-source.ts';
import { createLeanSourceRules } from './source-rules.ts';
import { createRouteSource } from './wan-addresses.ts';

export const LEAN_AGENT = 'wanwatch-reporter-lua/0.1.0';
const FLUSH_MS = 5_000;
const HOTPLUG_POLL_MS = 1_000;

export function runRun(argv: string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    writeOut(`${RUN_HELP}\n`);
    return 0;
  }
  const cfgOrCode = readConfig(argv);
  if (typeof cfgOrCode === 'number') return cfgOrCode;
  const cfg = cfgOrCode;
  const log = createLeanLogger(cfg.logLevel);
  const server = parseServerUrl(cfg.server);
  if (server === undefined) {
    writeErr(`wanwatch-reporter run: server: cannot use ${cfg.server}\n`);
    return 2;
  }
  // Tests only: trace lines on stdout (as device-reporter/test/netns-upload-child.ts prints) and a
  // batch delay below the 1 s the setting allows, as the Node build's tests set through its API.
  const trace = getEnv('WANWATCH_TEST_TRACE') === '1';
  const uploadDelayMs = trace
    ? (tonumber(getEnv('WANWATCH_TEST_UPLOAD_DELAY_MS') ?? '') ?? cfg.uploadIntervalS * 1000)
    : cfg.uploadIntervalS * 1000;
  let tracking: LoadedTracking;
  try {
    tracking = loadTracking(cfg);
  } catch (err) {
    log.error({ err: String((err as Error).message ?? err) }, 'reporter could not start');
    return 1;
  }
  log.info({ tracked: tracking.interfaces.map((i) => i.name), untracked: tracking.untracked }, 'mwan3 config loaded');
  mkdirp(cfg.spoolDir);
  const spool = openLeanSpool({ dir: cfg.spoolDir, maxBytes: cfg.spoolMaxBytes, warn: (m) => log.warn({}, m) });
  const bootId = newBootId();
  const policyIntervalMs = cfg.policyIntervalS * 1000;
  const sampleMs = sampleIntervalMs(tracking, cfg.source, policyIntervalMs);
  const routeSource = createRouteSource(nowMs);
  const children = new Map<number, Child>();
  const pingPids = new Set<number>();
  let recorded = 0;
  let lastPolicyJson = '';
  let lastPolicies: PolicySplit[] = [];
  let stopping = false;
  const byRoute = new Map<string, number>();
  const sourceRules = cfg.sourceRules ? createLeanSourceRules(log, () => nowMs()) : undefined;

  const trackers = new Map<string, LinkTracker>();
  let mwan3: LeanMwan3Source | undefined; // --source mwan3: no trackers, mwan3's own states
  const states = (): Record<string, IfaceState> => mwan3?.states() ?? statesOf(trackers);
  const snapshots = (): Record<string, IfaceSnapshot> => snapshotsOf(trackers);
  const uploadOptions = {
    server,
    token: cfg.token,
    deviceId: cfg.deviceId,
    agent: LEAN_AGENT,
    reportIntervalMs: reportIntervalMs(sampleMs, cfg.uploadIntervalS * 1000),
    batch: { maxDelayMs: uploadDelayMs },
  };
  const uploadWorker = createForkedWorker((request) => handleUploadRequest(uploadOptions, request));
  const uploader = createLeanUploader(uploadOptions, {
    spool,
    routes: () => {
      const routes = routeSource(tracking, states());
      sourceRules?.sync(tracking.config.interfaces, routes);
      return routes;
    },
    nowMs: () => nowMs(),
    start: (request, deadlineMs, done) => {
      const c = uploadWorker.run(request, deadlineMs, done);
      if (c !== undefined) children.set(c.fd, c);
      return c?.pid;
    },
    kill: (pid) => signal.kill(pid, signal.SIGKILL),
    log,
    onUploaded: (iface: string) => byRoute.set(iface, (byRoute.get(iface) ?? 0) + 1),
  });
  let uploadAtMs: number | undefined = nowMs();

  function append(rec: UnsequencedRecord): void {
    const e = spool.append(bootId, rec);
    recorded++;
    if (trace) writeOut(`s ${e.seq} ${e.type}\n`);
  }

  function emitPolicies(force: boolean): void {
    if (stopping || tracking.config.policies.length === 0) return;
    const st = states();
    // mwan3 reports its own (confirmed) states from its first poll on, `unknown` for notracking ones.
    const names = tracking.interfaces.map((i) => i.name);
    const ready = mwan3 ? Object.keys(st).length > 0 : policySnapshotReady(names, new Map(Object.entries(st)));
    if (!ready) return;
    const policies = computePolicySplits(tracking.config, onlineIfaces(st, snapshots(), tracking));
    const json = encodeJson(policies);
    if (!force && json === lastPolicyJson) return;
    lastPolicyJson = json;
    lastPolicies = policies;
    append({ type: 'policy', timeMs: nowMs(), policies });
  }

  function writeStatus(stoppedMs?: number): void {
    const sp = spool.stats();
    const up = uploader.stats();
    const file = buildStatusFile({
      nowMs: nowMs(),
      pid: unistd.getpid(),
      writeEveryMs: policyIntervalMs,
      ...(stoppedMs !== undefined ? { stoppedMs } : {}),
      states: states(),
      snapshots: snapshots(),
      untracked: tracking.untracked,
      policies: lastPolicies,
      counters: {
        recorded,
        uploaded: up.uploadedRecords,
        pending: sp.pendingRecords,
        dropped: up.rejectedRecords,
        thinned: sp.thinnedSamples,
      },
    });
    const [ok, err] = pcall(() =>
      writeFileAtomic(cfg.spoolDir, `${cfg.spoolDir}/status.json`, encodeJson(file), false),
    );
    if (!ok) log.warn({ err: String(err) }, 'status file not written');
  }

  // Rounds of several WANs often end in the same wake-up: the status file is rewritten once for them.
  let statusDirty = false;
  const onSample = (rec: Omit<SampleRecord, 'seq'>): void => {
    append(rec);
    statusDirty = true;
  };
  const onTransition = (rec: Omit<TransitionRecord, 'seq'>): void => {
    append(rec);
    if (rec.to !== 'unknown') emitPolicies(false);
    statusDirty = true;
    if (rec.to === 'connecting' || rec.to === 'online') uploader.retryNow();
    else if (rec.to === 'disconnecting' || rec.to === 'offline') uploader.routeDown(rec.iface);
    uploadAtMs = nowMs();
    log.info(
      { iface: rec.iface, from: rec.from, to: rec.to, reason: rec.reason },
      `interface ${rec.iface} is ${rec.to}`,
    );
  };

  const carried = openCarriedLinks(cfg.spoolDir, (err) =>
    log.warn({ err: String(err) }, 'confirmed link states not saved'),
  );
  const busybox = pingIsBusybox();
  const shells = createShellPool();
  // `ping` probes, or `ubus call mwan3 status` (--source mwan3), on the shell runners.
  const spawn = spawnOnPool(shells, children, pingPids);
  const links = createLeanLinks(trackers, {
    nowMs: () => nowMs(),
    spawn,
    onSample: (r) => onSample(r),
    onTransition: (r) => onTransition(r),
    carried,
    pingCommand: ['ping'],
    busybox,
  });
  if (cfg.source === 'mwan3')
    mwan3 = createLeanMwan3Source({ pollMs: sampleMs, nowMs: () => nowMs(), spawn, onSample, onTransition, log });
  else for (const i of tracking.interfaces) links.start(i);
  const hotplug = openHotplugDir(cfg.spoolDir, (file) =>
    log.warn({ file }, 'hotplug: ignored an event file that is not "<ifup|ifdown> <interface>"'),
  );
  let hotplugAtMs = 0;
  function reload(): void {
    const [ok, next] = pcall(() => loadTracking(cfg));
    if (!ok) return log.error({ err: String(next) }, 'reload failed: keeping the running configuration');
    // With --source mwan3, mwan3 itself restarts its trackers on a configuration change.
    if (!mwan3)
      log.info(links.reload(tracking.interfaces, next.interfaces), 'reload: restarting only changed interfaces');
    tracking = next;
    emitPolicies(false);
    writeStatus();
  }
  emitPolicies(false);
  writeStatus();
  log.info({ bootId, deviceId: cfg.deviceId, source: cfg.source, spool: spool.stats() }, 'reporter started');

  let signalled: string | undefined;
  signal.signal(signal.SIGTERM, () => (signalled = 'SIGTERM'));
  signal.signal(signal.SIGINT, () => (signalled = 'SIGINT'));
  signal.signal(signal.SIGHUP, () => (signalled ??= 'SIGHUP'));
  signal.signal(signal.SIGPIPE, signal.SIG_IGN);

  let policyAtMs = nowMs() + policyIntervalMs;
  let traceAtMs = 0;
  while (signalled === undefined || signalled === 'SIGHUP') {
    if (signalled === 'SIGHUP') {
      signalled = undefined;
      reload();
    }
    if (nowMs() >= hotplugAtMs) {
      hotplugAtMs = nowMs() + HOTPLUG_POLL_MS;
      for (const ev of hotplug.scan()) {
        const known = links[ev.action](ev.iface);
        log.info({ iface: ev.iface, action: ev.action, tracked: known }, `netifd ${ev.action} ${ev.iface}`);
        statusDirty = true;
      }
    }
    if (statusDirty) {
      statusDirty = false;
      writeStatus();
    }
    for (const t of trackers.values()) t.tick();
    mwan3?.tick();
    const now = nowMs();
    if (now >= policyAtMs) {
      emitPolicies(true);
      writeStatus();
      policyAtMs = now + policyIntervalMs;
    }
    if (!uploader.busy() && (uploadAtMs === undefined || nowMs() >= uploadAtMs)) {
      uploadAtMs = uploader.step();
      // Waiting on an event: records arriving (onTransition sets the time) or the batch timer.
      if (uploadAtMs === undefined && !uploader.busy() && spool.pending().length > 0)
        uploadAtMs = nowMs() + uploadDelayMs;
    }
    if (trace && nowMs() >= traceAtMs) {
      traceAtMs = nowMs() + 100;
      writeOut(
        `st ${encodeJson({ t: nowMs(), states: states(), byRoute: Object.fromEntries(byRoute), pending: spool.stats().pendingRecords })}\n`,
      );
    }
    let wake = Math.min(policyAtMs, hotplugAtMs);
    for (const w of [...[...trackers.values()].map((t) => t.wakeAtMs()), mwan3?.wakeAtMs()])
      if (w !== undefined) wake = Math.min(wake, w);
    if (uploadAtMs !== undefined) wake = Math.min(wake, uploadAtMs);
    if (trace) wake = Math.min(wake, traceAtMs);
    const waitMs = Math.max(0, Math.min(1_000, wake - nowMs()));
    if (children.size > 0) pollChildren(children, waitMs, nowMs);
    else if (waitMs > 0) socket.sleep(waitMs / 1000);
  }

  log.info({ signal: signalled }, 'stopping');
  stopping = true;
  // Probes cut short are no evidence about a link: end them at once (an upload in flight may finish).
  for (const c of [...children.values()]) if (pingPids.has(c.pid)) killChild(children, c);
  shells.close();
  for (const t of trackers.values()) t.end('stop');
  mwan3?.end();
  flushUploads(spool, uploader, children, nowMs() + FLUSH_MS);
  uploadWorker.close();
  sourceRules?.clear();
  const flushed = spool.pending().length === 0;
  writeStatus(nowMs());
  const pending = spool.stats().pendingRecords;
  spool.close();
  log.info(
    { flushed, pendingRecords: pending },
    flushed ? 'reporter stopped; spool flushed' : 'reporter stopped; records stay spooled for the next start',
  );
  if (trace) writeOut(`stopped ${pending}\n`);
  return 0;
}
