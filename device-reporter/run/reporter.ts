import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IfaceState, SampleRecord, TransitionRecord } from '../../contract/index.ts';
import { loadTrackedInterfaces, type LoadedTracking } from '../config/load-tracked.ts';
import { computePolicySplits } from '../policies/index.ts';
import { createExecPingProber, createProberRegistry, createTcpConnectProber } from '../probers/index.ts';
import { openSpool, type Spool, type SpoolEntry, type SpoolStats } from '../spool/index.ts';
import type { ReporterLogger } from '../spool/logger.ts';
import { writeStatusFile, type StatusFileIface } from '../status/status-file.ts';
import type { Prober } from '../tracker/prober.ts';
import { startTrackers, type IfaceSnapshot } from '../tracker/scheduler.ts';
import { createHttpTransport, type ReportTransport } from '../uploader/http-transport.ts';
import { sourceAddressOf, type UploadRoute } from '../uploader/routes.ts';
import { DEFAULT_BATCH_OPTIONS } from '../uploader/batch-plan.ts';
import { createUploader, type Uploader, type UploaderOptions, type UploaderStats } from '../uploader/uploader.ts';
import { startMwan3Source } from './mwan3-source.ts';
import { createSourceRuleManager, planSourceRules, type IpRunner } from './source-rules.ts';

/**
 * The running reporter: trackers (or mwan3 itself) -> spool -> uploader, policy snapshots on every
 * state change and every `policyIntervalMs`, the status file after every round.
 *
 * Lifecycle (why each step): a new `bootId` per start (ingest keys transitions by bootId+seq);
 * `reload()` (SIGHUP) ends every interface with a `config` transition to `unknown` and starts
 * fresh trackers, whose first transition (`start`, from `unknown`) then reads as a clean new
 * history; `stop()` (SIGTERM) ends every interface with a `stop` transition to `unknown`, then
 * flushes the spool for up to `flushTimeoutMs` — what does not get out stays spooled for the next start.
 */
export interface ReporterOptions {
  serverUrl: string;
  deviceId: string;
  token: string;
  mwan3ConfigPath: string;
  /** Optional: without it probes are not bound to a device and uploads use the default route only. */
  networkConfigPath?: string;
  spoolDir: string;
  spoolMaxBytes?: number;
  source?: 'native' | 'mwan3';
  policyIntervalMs?: number;
  flushTimeoutMs?: number;
  /** Install `ip rule from <WAN address> lookup <mwan3 table>` per WAN (see source-rules.ts). Default false. */
  sourceRules?: boolean;
  uploader?: Partial<UploaderOptions>;
  agent?: string;
}

export interface ReporterDeps {
  logger: ReporterLogger;
  /** Probes (the lead's demo passes simulated links); default: ping/tcp bound to each device. */
  prober?: Prober;
  transport?: ReportTransport;
  /** Upload routes; default: one per tracked WAN bound to its device's address, plus `default`. */
  routes?: () => UploadRoute[];
  readFile?: (path: string) => string;
  nowMs?: () => number;
  /** `--source mwan3`: reads `ubus call mwan3 status` (injected in tests). */
  readMwan3Status?: () => Promise<unknown>;
  /** Runs `ip …` for source rules (tests). */
  ip?: IpRunner;
  /** Called after each record is durably numbered in the spool (tests, the demo's counters). */
  onSpooled?: (entry: SpoolEntry) => void;
}

export interface RunningReporter {
  readonly bootId: string;
  reload(): Promise<void>;
  stop(): Promise<void>;
  stats(): { spool: SpoolStats; uploader: UploaderStats; states: Record<string, IfaceState> };
}

interface LinkSource {
  stop(): Promise<void>;
  states(): Record<string, IfaceState>;
  snapshots?(): Record<string, IfaceSnapshot>;
}

export const AGENT = 'wanwatch-reporter/0.1.0';

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
  let source: LinkSource | undefined;
  let lastPolicyJson = '';

  function load(): LoadedTracking {
    const t = loadTrackedInterfaces(
      readFile(o.mwan3ConfigPath),
      o.networkConfigPath ? readFile(o.networkConfigPath) : undefined,
    );
    log.info({ tracked: t.interfaces.map((i) => i.name), untracked: t.untracked }, 'mwan3 config loaded');
    return t;
  }

  /** How often records are produced: the shortest tracking interval (mwan3 polls are capped at 10 s);
   * with nothing tracked, the policy snapshots. The backend's watchdog waits 3x this before "unreachable". */
  const sampleIntervalMs = (): number => {
    const intervals = tracking.interfaces.map((i) => i.options.intervalS * 1000);
    if (intervals.length === 0) return o.policyIntervalMs ?? 10_000;
    const shortest = Math.min(...intervals);
    return o.source === 'mwan3' ? Math.min(shortest, 10_000) : shortest;
  };
  // How often reports arrive, which is what the cloud watchdog times (3x this): samples are
  // taken every tracking interval but batched for up to the uploader's maxDelayMs.
  const reportIntervalMs = () =>
    Math.max(
      100,
      Math.min(3_600_000, Math.max(sampleIntervalMs(), o.uploader?.maxDelayMs ?? DEFAULT_BATCH_OPTIONS.maxDelayMs)),
    );

  const sourceRules = o.sourceRules
    ? createSourceRuleManager({ logger: log, ...(deps.ip ? { ip: deps.ip } : {}) })
    : undefined;
  const routes =
    deps.routes ??
    (() => {
      const states = source?.states() ?? {};
      const byName = new Map(tracking.config.interfaces.map((i) => [i.name, i.family]));
      const wan: UploadRoute[] = tracking.interfaces.map((i) => {
        const localAddress = sourceAddressOf(i.device, byName.get(i.name) ?? 'ipv4');
        const st = states[i.name] ?? 'unknown';
        return {
          iface: i.name,
          ...(i.device ? { device: i.device } : {}),
          ...(localAddress ? { localAddress } : {}),
          online: st === 'online' || st === 'disconnecting',
          suspect: st === 'disconnecting',
        };
      });
      sourceRules?.sync(planSourceRules(tracking.config.interfaces, wan));
      return [...wan, { iface: 'default', online: true }];
    });

  const uploader: Uploader = createUploader(
    { deviceId: o.deviceId, reportIntervalMs: reportIntervalMs(), agent: o.agent ?? AGENT, ...o.uploader },
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
      deps.onSpooled?.(entry);
    } catch (err) {
      // Only a bug can produce an invalid record; keep running and say what it was.
      log.error({ err, record: rec }, 'record not spooled');
    }
  }

  function onlineIfaces(): string[] {
    const states = source?.states() ?? {};
    const snaps = source?.snapshots?.() ?? {};
    const tracked = Object.entries(states)
      .filter(([name, st]) => snaps[name]?.routed ?? (st === 'online' || st === 'disconnecting'))
      .map(([name]) => name);
    // mwan3 treats an enabled interface without track_ip as up whenever netifd says so.
    const untrackedUp = tracking.untracked.filter((u) => u.reason === 'no track_ip').map((u) => u.name);
    return [...tracked, ...untrackedUp];
  }

  function emitPolicies(force: boolean): void {
    if (tracking.config.policies.length === 0) return;
    const policies = computePolicySplits(tracking.config, onlineIfaces());
    const json = JSON.stringify(policies);
    if (!force && json === lastPolicyJson) return;
    lastPolicyJson = json;
    append({ type: 'policy', timeMs: nowMs(), policies });
  }

  function writeStatus(): void {
    const states = source?.states() ?? {};
    const snaps = source?.snapshots?.() ?? {};
    const ifaces: Record<string, StatusFileIface> = {};
    for (const [name, state] of Object.entries(states)) ifaces[name] = { state, score: 0, ...snaps[name] };
    for (const u of tracking.untracked) ifaces[u.name] = { state: 'unknown', score: 0, untracked: u.reason };
    try {
      writeStatusFile(o.spoolDir, {
        v: 1,
        timeMs: nowMs(),
        ifaces,
        policies: lastPolicyJson ? JSON.parse(lastPolicyJson) : [],
      });
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
    emitPolicies(false);
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

  function startSource(): LinkSource {
    if (o.source === 'mwan3') {
      const pollMs = sampleIntervalMs();
      return startMwan3Source({
        pollMs,
        onSample,
        onTransition,
        logger: log,
        nowMs,
        ...(deps.readMwan3Status ? { readStatus: deps.readMwan3Status } : {}),
      });
    }
    return startTrackers({ interfaces: tracking.interfaces, prober, onSample, onTransition, nowMs, logger: log });
  }

  /** Ends every interface's history with a transition to `unknown` (reason `stop` or `config`). */
  async function endSource(reason: 'stop' | 'config'): Promise<void> {
    if (!source) return;
    const states = source.states();
    const snaps = source.snapshots?.() ?? {};
    await source.stop();
    source = undefined;
    for (const [iface, from] of Object.entries(states)) {
      if (from === 'unknown') continue;
      append({
        type: 'transition',
        timeMs: nowMs(),
        iface,
        from,
        to: 'unknown',
        score: snaps[iface]?.score ?? 0,
        reason,
      });
    }
    emitPolicies(true);
    uploader.wake();
  }

  source = startSource();
  uploader.start();
  const policyTimer = setInterval(() => emitPolicies(true), o.policyIntervalMs ?? 10_000);
  log.info({ bootId, deviceId: o.deviceId, source: o.source ?? 'native', spool: spool.stats() }, 'reporter started');

  return {
    bootId,
    async reload() {
      let next: LoadedTracking;
      try {
        next = load();
      } catch (err) {
        log.error({ err }, 'reload failed: keeping the running configuration');
        return;
      }
      await endSource('config');
      tracking = next;
      source = startSource();
      emitPolicies(true);
    },
    async stop() {
      clearInterval(policyTimer);
      await endSource('stop');
      writeStatus();
      const flushed = await uploader.flush(o.flushTimeoutMs ?? 5_000);
      await uploader.stop();
      ownPing?.close();
      await sourceRules?.clear();
      const st = spool.stats();
      spool.close();
      log.info(
        { flushed, pendingRecords: st.pendingRecords },
        flushed ? 'reporter stopped; spool flushed' : 'reporter stopped; records stay spooled for the next start',
      );
    },
    stats: () => ({ spool: spool.stats(), uploader: uploader.stats(), states: source?.states() ?? {} }),
  };
}
