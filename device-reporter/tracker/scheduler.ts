import type { IfaceState, SampleRecord, TargetResult, TargetStatus, TransitionRecord } from '../../contract/index.ts';
import { failedProbe, type Prober, type ProbeResult } from './prober.ts';
import { classifyTarget, ifaceMetrics, isDegraded, roundComplete, roundVerdict, toTargetResult } from './round.ts';
import { applyRound, firstConnect, type ScoreState } from './score-machine.ts';
import type { TrackingOptions } from './tracking-options.ts';

/** One mwan3 interface to track: enabled, with at least one track_ip. */
export interface TrackedInterface {
  /** mwan3/netifd logical name, e.g. `wan`, `eth1`. */
  name: string;
  /** Linux device the probes are bound to; undefined = unbound. */
  device?: string;
  options: TrackingOptions;
}

/** Small logging role (pino-compatible subset). */
export interface TrackerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface StartTrackersOptions {
  interfaces: readonly TrackedInterface[];
  prober: Prober;
  onSample(rec: Omit<SampleRecord, 'seq'>): void;
  onTransition(rec: Omit<TransitionRecord, 'seq'>): void;
  nowMs?: () => number;
  /** Interruptible sleep; resolves early (no throw) when the signal aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  logger?: TrackerLogger;
  /**
   * The first transition of each loop: from what, and why. Default `{ from: 'unknown', reason: 'start' }`;
   * the reporter passes the last confirmed state of the previous run, or `config`/`ifup` for a restart.
   */
  opening?: { from: IfaceState; reason: TransitionRecord['reason'] };
}

/** Live view of one interface for `status` and the status file. */
export interface IfaceSnapshot {
  state: IfaceState;
  score: number;
  lost: number;
  turn: number;
  /** Whether mwan3 would route through it (hotplug iface_state). */
  routed: boolean;
  device?: string;
  /** When the interface entered its current state. */
  sinceMs: number;
  lastRoundMs: number | null;
  degraded: boolean;
  targets: TargetResult[];
}

export interface Trackers {
  stop(): Promise<void>;
  states(): Record<string, IfaceState>;
  snapshots(): Record<string, IfaceSnapshot>;
}

/** Real-time sleep that an AbortSignal cuts short. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Starts one mwan3track-equivalent loop per interface, concurrently. Each loop: firstconnect
 * (the `opening` transition), then rounds with no initial sleep, sleeping the
 * interval the score machine chooses after each round. `stop()` aborts probes and sleeps and
 * resolves when every loop has ended.
 */
export function startTrackers(opts: StartTrackersOptions): Trackers {
  const nowMs = opts.nowMs ?? Date.now;
  const sleep = opts.sleep ?? abortableSleep;
  const abort = new AbortController();
  const snaps: Record<string, IfaceSnapshot> = {};
  const loops = opts.interfaces.map((iface) => runLoop(iface));

  async function runLoop(iface: TrackedInterface): Promise<void> {
    const o = iface.options;
    let state: ScoreState = firstConnect(o);
    const startMs = nowMs();
    const snap: IfaceSnapshot = {
      state: state.reported,
      score: state.score,
      lost: 0,
      turn: 0,
      routed: state.routed,
      sinceMs: startMs,
      lastRoundMs: null,
      degraded: false,
      targets: [],
    };
    if (iface.device !== undefined) snap.device = iface.device;
    snaps[iface.name] = snap;
    opts.onTransition({
      type: 'transition',
      timeMs: startMs,
      iface: iface.name,
      from: opts.opening?.from ?? 'unknown',
      to: state.reported,
      score: state.score,
      reason: opts.opening?.reason ?? 'start',
    });
    const prevRtt = new Map<string, number | null>();
    while (!abort.signal.aborted) {
      const targets = await runRound(iface, prevRtt);
      if (abort.signal.aborted) break; // a probe cut short by stop() is no evidence about the link
      const verdict = roundVerdict(
        targets.map((t) => t.status),
        o.reliability,
      );
      const step = applyRound(state, verdict.roundOk, verdict.lostTargets, o);
      const timeMs = nowMs();
      const metrics = ifaceMetrics(targets);
      const degraded = isDegraded(metrics, o);
      const from = state.reported;
      state = step.state;
      Object.assign(snap, {
        state: state.reported,
        score: state.score,
        lost: state.lost,
        turn: state.turn,
        routed: state.routed,
        lastRoundMs: timeMs,
        degraded,
        targets,
      });
      const sample: Omit<SampleRecord, 'seq'> = {
        type: 'sample',
        timeMs,
        iface: iface.name,
        state: state.reported,
        score: state.score,
        roundOk: verdict.roundOk,
        degraded,
        ...metrics,
        targets,
      };
      if (iface.device !== undefined) sample.device = iface.device;
      opts.onSample(sample);
      if (from !== state.reported) {
        snap.sinceMs = timeMs;
        opts.logger?.info(
          { iface: iface.name, from, to: state.reported, score: state.score, reason: step.reason },
          `interface ${iface.name} is ${state.reported}`,
        );
        opts.onTransition({
          type: 'transition',
          timeMs,
          iface: iface.name,
          from,
          to: state.reported,
          score: state.score,
          reason: 'track',
          degraded,
        });
      }
      await sleep(step.sleepS * 1000, abort.signal);
    }
  }

  /** One round (docs/mwan3-reference.md, "One round"): targets in order until `reliability` succeeded; the rest are `skipped`. */
  async function runRound(iface: TrackedInterface, prevRtt: Map<string, number | null>): Promise<TargetResult[]> {
    const o = iface.options;
    const out: TargetResult[] = [];
    let hostUp = 0;
    for (const target of o.trackIps) {
      if (roundComplete(hostUp, o.reliability) || abort.signal.aborted) {
        out.push(toTargetResult(undefined, target, 'skipped', null));
        continue;
      }
      const probe = await safeProbe(iface, target);
      const status: TargetStatus = classifyTarget(probe, o);
      if (status === 'up') hostUp += 1;
      out.push(toTargetResult(probe, target, status, prevRtt.get(target) ?? null));
      prevRtt.set(target, probe.rttAvgMs);
    }
    return out;
  }

  async function safeProbe(iface: TrackedInterface, target: string): Promise<ProbeResult> {
    const o = iface.options;
    try {
      return await opts.prober.probe(
        {
          target,
          device: iface.device,
          family: o.family,
          method: o.trackMethod,
          count: o.count,
          timeoutS: o.timeoutS,
          sizeBytes: o.sizeBytes,
          maxTtl: o.maxTtl,
          port: o.trackPort,
        },
        abort.signal,
      );
    } catch (err) {
      // Probers should not throw; if one does, the target failed — the loop goes on.
      opts.logger?.warn({ iface: iface.name, target, err: String(err) }, 'prober threw; counting the target as failed');
      return failedProbe(target, o.count, String(err));
    }
  }

  return {
    async stop() {
      abort.abort();
      await Promise.allSettled(loops);
    },
    states() {
      return Object.fromEntries(Object.entries(snaps).map(([k, v]) => [k, v.state]));
    },
    snapshots() {
      return structuredClone(snaps);
    },
  };
}
