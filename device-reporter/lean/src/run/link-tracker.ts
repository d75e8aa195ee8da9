/**
 * One interface's tracker in the lean build: mwan3track's loop as a state machine driven by the
 * event loop (no coroutines, no promises): sleep until the next round, probe the targets one
 * after another until `reliability` answered (the rest skipped), then score the round.
 * The decisions are the shared core's (score-machine.ts, round.ts, restart-confirmation.ts),
 * in the order device-reporter/tracker/scheduler.ts and run/link-trackers.ts apply them.
 */
import type { IfaceState, SampleRecord, TargetResult, TransitionRecord } from '../../../../contract/index.ts';
import { pingArgs, probeResultOf } from '../../../probers/ping-result.ts';
import {
  CONFIRMED_REASONS,
  confirmRound,
  confirmTransition,
  openConfirmation,
  type Confirmation,
} from '../../../run/restart-confirmation.ts';
import { failedProbe, type ProbeRequest } from '../../../tracker/prober.ts';
import {
  classifyTarget,
  ifaceMetrics,
  isDegraded,
  roundComplete,
  roundVerdict,
  toTargetResult,
} from '../../../tracker/round.ts';
import type { IfaceSnapshot, TrackedInterface } from '../../../tracker/scheduler.ts';
import { applyRound, firstConnect, type ScoreState } from '../../../tracker/score-machine.ts';
import type { ChildResult } from '../platform/children.ts';
import type { CarriedLinks } from './carried-links.ts';
import { parsePingOutputLua } from './parse-ping.ts';

export interface TrackerDeps {
  nowMs: (this: void) => number;
  /** Starts `argv`; `done` runs when it exits or is killed at `deadlineMs`. False when it could not start. */
  spawn: (this: void, argv: string[], deadlineMs: number, done: (this: void, r: ChildResult) => void) => boolean;
  onSample: (this: void, rec: Omit<SampleRecord, 'seq'>) => void;
  onTransition: (this: void, rec: Omit<TransitionRecord, 'seq'>) => void;
  carried: CarriedLinks;
  /** `['ping']`, or a longer prefix (tests run it in a namespace). */
  pingCommand: string[];
  busybox: boolean;
}

export interface LinkTracker {
  readonly name: string;
  snapshot(): IfaceSnapshot;
  /** When the tracker next needs the loop (its next round); undefined while a probe runs. */
  wakeAtMs(): number | undefined;
  tick(): void;
  /** Ends the tracker: later probe answers are ignored; a `reason` transition to unknown is emitted. */
  end(reason: TransitionRecord['reason']): void;
  /** Ends the tracker without a record (netifd ifdown/ifup, reload: the caller records what follows). */
  halt(): void;
}

/**
 * How a tracker run opens (as device-reporter/tracker/scheduler.ts `opening`): `start` from the
 * last confirmed state of the previous run; `ifup` and `config` from the state the link had.
 */
export interface Opening {
  from: IfaceState;
  reason: TransitionRecord['reason'];
}

export function startLinkTracker(iface: TrackedInterface, deps: TrackerDeps, opening?: Opening): LinkTracker {
  const o = iface.options;
  let state: ScoreState = firstConnect(o);
  let ended = false;
  let probing = false;
  let nextAtMs = deps.nowMs();
  const prevRtt = new Map<string, number | null>();
  const carried = deps.carried.get(iface.name);
  // ifup is itself a confirmed change; the others start in initial_state, which is no evidence.
  let confirm: Confirmation =
    opening?.reason === 'ifup' ? { carried, agreeingRounds: 0, done: true } : openConfirmation(carried, o.initialState);
  const startMs = deps.nowMs();
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

  function transition(rec: Omit<TransitionRecord, 'seq'>): void {
    if (CONFIRMED_REASONS.has(rec.reason) && (rec.to === 'online' || rec.to === 'offline'))
      deps.carried.set(rec.iface, rec.to);
    confirm = confirmTransition(confirm, rec);
    deps.onTransition(rec);
  }

  const openFrom = opening !== undefined ? opening.from : carried;
  // netifd brought back a link already in the state its restart opens with: not a change.
  if (opening?.reason === 'ifup' && openFrom === state.reported) {
    if (openFrom === 'online' || openFrom === 'offline') deps.carried.set(iface.name, openFrom);
  } else
    transition({
      type: 'transition',
      timeMs: startMs,
      iface: iface.name,
      from: openFrom,
      to: state.reported,
      score: state.score,
      reason: opening?.reason ?? 'start',
    });

  function probe(target: string, done: (r: ReturnType<typeof probeResultOf>) => void): void {
    const req: ProbeRequest = {
      target,
      device: iface.device,
      family: o.family,
      method: o.trackMethod,
      count: o.count,
      timeoutS: o.timeoutS,
      sizeBytes: o.sizeBytes,
      maxTtl: o.maxTtl,
      port: o.trackPort,
    };
    // As the Node prober: ping's own limit ((count-1) + timeout) plus slack before it is killed.
    const deadlineMs = deps.nowMs() + (o.count - 1 + o.timeoutS + 2) * 1000;
    const argv = [...deps.pingCommand, ...pingArgs(req, deps.busybox)];
    const started = deps.spawn(argv, deadlineMs, (r) =>
      done(
        probeResultOf(
          req,
          parsePingOutputLua(r.output),
          r.code ?? null,
          r.output,
          r.code === undefined ? 'killed' : undefined,
        ),
      ),
    );
    if (!started) done(failedProbe(target, 0, 'spawn ping failed'));
  }

  function runRound(): void {
    probing = true;
    const out: TargetResult[] = [];
    let hostUp = 0;
    const next = (i: number): void => {
      if (ended) return;
      if (i >= o.trackIps.length) return finishRound(out);
      const target = o.trackIps[i]!;
      if (roundComplete(hostUp, o.reliability)) {
        out.push(toTargetResult(undefined, target, 'skipped', null));
        return next(i + 1);
      }
      probe(target, (p) => {
        const status = classifyTarget(p, o);
        if (status === 'up') hostUp += 1;
        out.push(toTargetResult(p, target, status, prevRtt.get(target) ?? null));
        prevRtt.set(target, p.rttAvgMs);
        next(i + 1);
      });
    };
    next(0);
  }

  function finishRound(targets: TargetResult[]): void {
    probing = false;
    if (ended) return;
    const verdict = roundVerdict(
      targets.map((t) => t.status),
      o.reliability,
    );
    const step = applyRound(state, verdict.roundOk, verdict.lostTargets, o);
    const timeMs = deps.nowMs();
    const metrics = ifaceMetrics(targets);
    const degraded = isDegraded(metrics, o);
    const from = state.reported;
    state = step.state;
    snap.state = state.reported;
    snap.score = state.score;
    snap.lost = state.lost;
    snap.turn = state.turn;
    snap.routed = state.routed;
    snap.lastRoundMs = timeMs;
    snap.degraded = degraded;
    snap.targets = targets;
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
    deps.onSample(sample);
    const c = confirmRound(confirm, sample, o);
    confirm = c.next;
    if (c.persist !== undefined) deps.carried.set(iface.name, c.persist);
    if (c.emit !== undefined)
      deps.onTransition({
        type: 'transition',
        timeMs,
        iface: iface.name,
        from: c.emit.from,
        to: c.emit.to,
        score: state.score,
        reason: 'track',
        degraded,
      });
    if (from !== state.reported) {
      snap.sinceMs = timeMs;
      transition({
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
    nextAtMs = deps.nowMs() + step.sleepS * 1000;
  }

  return {
    name: iface.name,
    snapshot: () => snap,
    wakeAtMs: () => (probing || ended ? undefined : nextAtMs),
    tick() {
      if (!ended && !probing && deps.nowMs() >= nextAtMs) runRound();
    },
    halt() {
      ended = true;
    },
    end(reason) {
      if (ended) return;
      ended = true;
      const from: IfaceState = snap.state;
      if (from === 'unknown') return;
      deps.onTransition({
        type: 'transition',
        timeMs: deps.nowMs(),
        iface: iface.name,
        from,
        to: 'unknown',
        score: snap.score,
        reason,
      });
    },
  };
}
