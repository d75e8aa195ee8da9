import type { IfaceState, SampleRecord, TransitionRecord } from '../../contract/index.ts';
import type { Prober } from '../tracker/prober.ts';
import {
  startTrackers,
  type IfaceSnapshot,
  type TrackedInterface,
  type TrackerLogger,
  type Trackers,
} from '../tracker/scheduler.ts';
import type { CarriedStateStore } from './carried-state.ts';
import {
  CONFIRMED_REASONS,
  confirmRound,
  confirmTransition,
  openConfirmation,
  type Confirmation,
} from './restart-confirmation.ts';

export interface LinkTrackersDeps {
  prober: Prober;
  nowMs: () => number;
  logger: TrackerLogger;
  carried: CarriedStateStore;
  onSample(rec: Omit<SampleRecord, 'seq'>): void;
  onTransition(rec: Omit<TransitionRecord, 'seq'>): void;
}

/**
 * The native link source: one mwan3track-equivalent tracker per interface, each of which can be
 * started, ended and restarted on its own (reload, netifd hotplug) while the others keep their
 * state. It also carries confirmed states across restarts (carried-state.ts): every confirmed
 * change is persisted, a start opens from the carried state, and the restart confirmation
 * (restart-confirmation.ts) tells the cloud when the probes have confirmed a state that differs.
 */
export interface LinkTrackers {
  /** Opening transition `{from, to: initial_state}`; `from` defaults to the carried state. */
  start(iface: TrackedInterface, reason: 'start' | 'config', from?: IfaceState): void;
  /** Ends tracking; a transition to `unknown` (reason `stop` or `config`) unless already unknown. */
  end(name: string, reason: 'stop' | 'config'): Promise<void>;
  /** netifd says the interface went down: offline at once (reason `ifdown`), tracking paused. */
  ifdown(name: string): Promise<boolean>;
  /** netifd says it came up: tracking restarts from firstconnect (reason `ifup`). */
  ifup(name: string): Promise<boolean>;
  names(): string[];
  states(): Record<string, IfaceState>;
  snapshots(): Record<string, IfaceSnapshot>;
}

interface Entry {
  iface: TrackedInterface;
  trackers?: Trackers;
  /** The state kept while netifd has the interface down (no tracker runs then). */
  held?: IfaceSnapshot;
  confirm: Confirmation;
  /** Identity of the current tracker run: callbacks of an ended run are ignored. */
  run: object;
}

export function createLinkTrackers(deps: LinkTrackersDeps): LinkTrackers {
  const entries = new Map<string, Entry>();

  const snapOf = (e: Entry): IfaceSnapshot | undefined => e.trackers?.snapshots()[e.iface.name] ?? e.held;

  function transition(e: Entry, rec: Omit<TransitionRecord, 'seq'>): void {
    if (CONFIRMED_REASONS.has(rec.reason) && (rec.to === 'online' || rec.to === 'offline'))
      deps.carried.set(rec.iface, rec.to);
    e.confirm = confirmTransition(e.confirm, rec);
    deps.onTransition(rec);
  }

  function launch(iface: TrackedInterface, reason: TransitionRecord['reason'], from: IfaceState): void {
    const run = {};
    const carried = deps.carried.get(iface.name);
    const e: Entry = {
      iface,
      run,
      // ifup is itself a confirmed change; the others start in initial_state, which is no evidence.
      confirm:
        reason === 'ifup'
          ? { carried, agreeingRounds: 0, done: true }
          : openConfirmation(carried, iface.options.initialState),
    };
    entries.set(iface.name, e);
    const current = () => entries.get(iface.name)?.run === run;
    e.trackers = startTrackers({
      interfaces: [iface],
      prober: deps.prober,
      nowMs: deps.nowMs,
      logger: deps.logger,
      opening: { from, reason },
      onTransition: (rec) => {
        if (!current()) return;
        // netifd brought back a link already in the state its restart opens with: not a change.
        if (rec.reason === 'ifup' && rec.from === rec.to) {
          if (rec.to === 'online' || rec.to === 'offline') deps.carried.set(rec.iface, rec.to);
          return;
        }
        transition(e, rec);
      },
      onSample: (rec) => {
        if (!current()) return;
        deps.onSample(rec);
        const step = confirmRound(e.confirm, rec, iface.options);
        e.confirm = step.next;
        if (step.persist) deps.carried.set(iface.name, step.persist);
        if (step.emit)
          deps.onTransition({
            type: 'transition',
            timeMs: rec.timeMs,
            iface: iface.name,
            from: step.emit.from,
            to: step.emit.to,
            score: rec.score,
            reason: 'track',
            degraded: rec.degraded,
          });
      },
    });
  }

  /** Stops the entry's tracker (aborting its probes at once) and returns the wait for its loop. */
  function halt(e: Entry): Promise<void> {
    const t = e.trackers;
    e.trackers = undefined;
    e.run = {};
    return t ? t.stop() : Promise.resolve();
  }

  return {
    start(iface, reason, from) {
      launch(iface, reason, from ?? deps.carried.get(iface.name));
    },
    async end(name, reason) {
      const e = entries.get(name);
      if (!e) return;
      const snap = snapOf(e);
      entries.delete(name);
      await halt(e);
      if (!snap || snap.state === 'unknown') return;
      deps.onTransition({
        type: 'transition',
        timeMs: deps.nowMs(),
        iface: name,
        from: snap.state,
        to: 'unknown',
        score: snap.score,
        reason,
      });
    },
    async ifdown(name) {
      const e = entries.get(name);
      if (!e) return false;
      const snap = snapOf(e);
      const stopped = halt(e);
      const timeMs = deps.nowMs();
      e.held = {
        state: 'offline',
        score: 0,
        lost: snap?.lost ?? 0,
        turn: snap?.turn ?? 0,
        routed: false,
        ...(e.iface.device !== undefined ? { device: e.iface.device } : {}),
        sinceMs: snap?.state === 'offline' ? snap.sinceMs : timeMs,
        lastRoundMs: snap?.lastRoundMs ?? null,
        degraded: false,
        targets: [],
      };
      const from = snap?.state ?? 'unknown';
      if (from === 'offline') deps.carried.set(name, 'offline');
      else transition(e, { type: 'transition', timeMs, iface: name, from, to: 'offline', score: 0, reason: 'ifdown' });
      await stopped;
      return true;
    },
    async ifup(name) {
      const e = entries.get(name);
      if (!e) return false;
      const from = snapOf(e)?.state ?? 'unknown';
      await halt(e);
      if (entries.get(name) !== e) return true; // ended meanwhile (reload or stop)
      launch(e.iface, 'ifup', from);
      return true;
    },
    names: () => [...entries.keys()],
    states() {
      const out: Record<string, IfaceState> = {};
      for (const [name, e] of entries) {
        const s = snapOf(e);
        if (s) out[name] = s.state;
      }
      return out;
    },
    snapshots() {
      const out: Record<string, IfaceSnapshot> = {};
      for (const [name, e] of entries) {
        const s = snapOf(e);
        if (s) out[name] = s;
      }
      return out;
    },
  };
}
