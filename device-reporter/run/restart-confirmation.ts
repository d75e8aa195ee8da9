import type { IfaceState, TransitionRecord } from '../../contract/index.ts';

/** A link state the probes (or netifd, or mwan3) have confirmed; what a restart carries across. */
export type ConfirmedState = 'online' | 'offline';

/** Reasons whose transitions are confirmed changes (the cloud may move a link up/down on them). */
export const CONFIRMED_REASONS: ReadonlySet<TransitionRecord['reason']> = new Set(['track', 'ifup', 'ifdown', 'mwan3']);

/**
 * After a (re)start the tracker begins in mwan3's `initial_state`, which is routing policy, not
 * evidence. Until the probes have given as much evidence as mwan3 needs to reach that state from
 * the other one (`up` good rounds to online, `down` failed rounds to offline), the link's state is
 * not confirmed. This machine watches the rounds of one interface and says when it is.
 */
export interface Confirmation {
  /** The last confirmed state of the previous run (`unknown`: none on record). */
  carried: ConfirmedState | 'unknown';
  /** Consecutive rounds that agree with the tracker's current state. */
  agreeingRounds: number;
  /** Confirmed (or told by the tracker's own confirmed transitions): nothing more to do. */
  done: boolean;
}

export interface ConfirmationStep {
  next: Confirmation;
  /** A `track` transition to emit so the cloud learns the truth (`from` is the carried state). */
  emit?: { from: ConfirmedState; to: ConfirmedState };
  /** The newly confirmed state to persist (for the next restart). */
  persist?: ConfirmedState;
}

/** Nothing to confirm when the carried state already is the state the tracker starts in. */
export function openConfirmation(carried: ConfirmedState | 'unknown', startState: IfaceState): Confirmation {
  return { carried, agreeingRounds: 0, done: carried === startState };
}

/**
 * One probe round of the interface (its sample). U = `up`, D = `down`:
 *
 * | state after round | round | agreeing rounds | reaches     | carried    | emit                   | persist |
 * |-------------------|-------|-----------------|-------------|------------|------------------------|---------|
 * | (done)            | any   | —               | —           | any        | —                      | —       |
 * | online            | ok    | +1              | ≥ U         | offline    | track offline→online   | online  |
 * | online            | ok    | +1              | ≥ U         | unknown    | —                      | online  |
 * | offline           | fail  | +1              | ≥ D         | online     | track online→offline   | offline |
 * | offline           | fail  | +1              | ≥ D         | unknown    | —                      | offline |
 * | online/offline    | ok/fail | +1            | below bound | any        | —                      | —       |
 * | any other         | any   | 0               | —           | any        | —                      | —       |
 */
export function confirmRound(
  c: Confirmation,
  round: { state: IfaceState; roundOk: boolean },
  opts: { up: number; down: number },
): ConfirmationStep {
  if (c.done) return { next: c };
  const agrees = (round.state === 'online' && round.roundOk) || (round.state === 'offline' && !round.roundOk);
  if (!agrees) return { next: { ...c, agreeingRounds: 0 } };
  const n = c.agreeingRounds + 1;
  const to: ConfirmedState = round.state === 'online' ? 'online' : 'offline';
  if (n < (to === 'online' ? opts.up : opts.down)) return { next: { ...c, agreeingRounds: n } };
  const step: ConfirmationStep = { next: { ...c, agreeingRounds: n, done: true }, persist: to };
  if (c.carried !== 'unknown' && c.carried !== to) step.emit = { from: c.carried, to };
  return step;
}

/**
 * A transition of the interface itself: a confirmed change to online/offline tells the cloud the
 * truth on its own, so the wait ends; anything else (disconnecting, connecting, lifecycle) does not.
 */
export function confirmTransition(c: Confirmation, t: Pick<TransitionRecord, 'to' | 'reason'>): Confirmation {
  if (c.done) return c;
  return CONFIRMED_REASONS.has(t.reason) && (t.to === 'online' || t.to === 'offline') ? { ...c, done: true } : c;
}
