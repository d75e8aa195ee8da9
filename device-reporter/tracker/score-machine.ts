import type { IfaceState } from '../../contract/index.ts';
import type { TrackingOptions } from './tracking-options.ts';

/** The STATUS values mwan3track itself keeps (in memory and in its STATUS file). */
export type Mwan3Status = 'online' | 'offline' | 'connecting' | 'disconnecting';

/**
 * mwan3track 2.11.7+ state (docs/mwan3-reference.md, "The score state machine"), plus the state we report.
 *
 * - `score`, `lost`, `turn`: exactly mwan3track's variables.
 * - `mwan3Status`: mwan3track's in-memory STATUS (drives whether connecting/disconnecting events fire).
 * - `fileStatus`: what mwan3track's STATUS file (and `mwan3 status`/ubus) would say.
 * - `routed`: mwan3's hotplug `iface_state` — the only thing policies use (online after
 *   `connected`, offline after `disconnected`).
 * - `reported`: what wanwatch reports; equals `fileStatus` except that Quirk B is cleaned up
 *   (a failure during recovery reports `offline`, not a stuck `connecting`).
 */
export interface ScoreState {
  score: number;
  lost: number;
  turn: number;
  mwan3Status: Mwan3Status;
  fileStatus: Mwan3Status;
  routed: boolean;
  reported: IfaceState;
}

export type ScoreOptions = Pick<
  TrackingOptions,
  'up' | 'down' | 'initialState' | 'intervalS' | 'failureIntervalS' | 'recoveryIntervalS' | 'keepFailureInterval'
>;

/** mwan3 hotplug events a step would emit (for docs/tests; mwan3.user scripts see these). */
export type Mwan3Event = 'connected' | 'disconnected' | 'connecting' | 'disconnecting';

export interface StepResult {
  state: ScoreState;
  /** Seconds to sleep before the next round (mwan3's `sleep_time`). */
  sleepS: number;
  /** Events mwan3track would emit for this round, in order. */
  mwan3Events: Mwan3Event[];
  /** Why the score moved, for logs: e.g. `fail: score 9 > up 5 -> disconnecting`. */
  reason: string;
}

/**
 * firstconnect on an up interface (score state machine, start): `initial_state online` ⇒ `connected` with
 * score = up+down; `offline` ⇒ `disconnected` with score 0 and no event. The first round runs
 * immediately after.
 */
export function firstConnect(opts: ScoreOptions): ScoreState {
  const max = opts.up + opts.down;
  if (opts.initialState === 'offline') {
    return {
      score: 0,
      lost: 0,
      turn: 0,
      mwan3Status: 'offline',
      fileStatus: 'offline',
      routed: false,
      reported: 'offline',
    };
  }
  return {
    score: max,
    lost: 0,
    turn: 0,
    mwan3Status: 'online',
    fileStatus: 'online',
    routed: true,
    reported: 'online',
  };
}

/**
 * One round's effect on the score (docs/mwan3-reference.md, "The score state machine", table). U = up, D = down, MAX = U+D.
 *
 * | round | score after ±1 | action (mwan3track)                               | sleep              | reported      |
 * |-------|----------------|---------------------------------------------------|--------------------|---------------|
 * | fail  | < U            | score := 0, no event                              | interval (failure_interval if keep_failure_interval) | offline if it was connecting (Quirk B), else unchanged |
 * | fail  | = U            | disconnecting (if not already) + disconnected, score := 0 | failure_interval | offline  |
 * | fail  | > U            | disconnecting (if not already)                    | failure_interval   | disconnecting |
 * | ok    | < U            | connecting (if not already)                       | recovery_interval  | connecting    |
 * | ok    | = U            | connecting (if not already) + connected, score := MAX | recovery_interval | online     |
 * | ok    | > U            | STATUS file := online (memory unchanged, Quirk A), score := MAX | interval | online |
 *
 * A successful round also resets `lost`; a failed one adds the round's failed targets to it.
 */
export function applyRound(prev: ScoreState, roundOk: boolean, lostTargets: number, opts: ScoreOptions): StepResult {
  const { up } = opts;
  const max = opts.up + opts.down;
  const s: ScoreState = { ...prev, lost: prev.lost + lostTargets };
  const events: Mwan3Event[] = [];
  const enter = (status: 'connecting' | 'disconnecting'): void => {
    // mwan3's connecting()/disconnecting() act only when the in-memory STATUS differs.
    if (s.mwan3Status === status) return;
    s.mwan3Status = status;
    s.fileStatus = status;
    events.push(status);
  };
  let sleepS = opts.intervalS;
  let reason: string;
  if (!roundOk) {
    s.score = prev.score - 1;
    if (s.score < up) {
      reason = `fail: score ${s.score} < up ${up} -> 0`;
      s.score = 0;
      sleepS = opts.keepFailureInterval ? opts.failureIntervalS : opts.intervalS;
      if (s.reported === 'connecting') s.reported = 'offline';
    } else if (s.score === up) {
      reason = `fail: score ${s.score} = up ${up} -> disconnected`;
      enter('disconnecting');
      sleepS = opts.failureIntervalS;
      // disconnected(): the event fires only if the STATUS file said online/disconnecting (2.11.2+).
      if (s.fileStatus === 'online' || s.fileStatus === 'disconnecting') events.push('disconnected');
      s.mwan3Status = 'offline';
      s.fileStatus = 'offline';
      s.routed = false;
      s.reported = 'offline';
      s.score = 0;
    } else {
      reason = `fail: score ${s.score} > up ${up} -> disconnecting`;
      enter('disconnecting');
      sleepS = opts.failureIntervalS;
      s.reported = 'disconnecting';
    }
  } else {
    s.score = prev.score + 1;
    s.lost = 0;
    if (s.score < up) {
      reason = `ok: score ${s.score} < up ${up} -> connecting`;
      enter('connecting');
      sleepS = opts.recoveryIntervalS;
      s.reported = 'connecting';
    } else if (s.score === up) {
      reason = `ok: score ${s.score} = up ${up} -> connected`;
      enter('connecting');
      sleepS = opts.recoveryIntervalS;
      events.push('connected');
      s.mwan3Status = 'online';
      s.fileStatus = 'online';
      s.routed = true;
      s.reported = 'online';
      s.score = max;
      s.turn = 0; // connected() resets turn; the round's turn++ below makes it 1, as in mwan3track
    } else {
      reason = `ok: score ${s.score} > up ${up} -> online`;
      s.fileStatus = 'online';
      s.reported = 'online';
      s.score = max;
    }
  }
  s.turn += 1;
  return { state: s, sleepS, mwan3Events: events, reason };
}
