/**
 * The lean build's set of link trackers, started, ended and restarted one by one while the others
 * keep running — the Node build's run/link-trackers.ts semantics (docs/alerts.md, lifecycle):
 *
 * | event                  | records                                                        |
 * |------------------------|----------------------------------------------------------------|
 * | netifd `ifdown`        | `ifdown` to offline at once (none if already offline); paused  |
 * | netifd `ifup`          | tracking restarts from firstconnect, `ifup` (none if unchanged)|
 * | reload: unchanged link | none: its tracker keeps its state                              |
 * | reload: changed link   | `config` to unknown, then restart with `config` from unknown   |
 * | reload: added / removed| `config` from unknown / `config` to unknown                    |
 */
import type { IfaceState, TransitionRecord } from '../../../../contract/index.ts';
import { diffTrackedInterfaces } from '../../../run/reload-diff.ts';
import { CONFIRMED_REASONS } from '../../../run/restart-confirmation.ts';
import type { LoadedTracking } from '../../../config/load-tracked.ts';
import type { IfaceSnapshot, TrackedInterface } from '../../../tracker/scheduler.ts';
import { startLinkTracker, type LinkTracker, type Opening, type TrackerDeps } from './link-tracker.ts';

export interface LeanLinks {
  start(iface: TrackedInterface, opening?: Opening): void;
  end(name: string, reason: TransitionRecord['reason']): void;
  /** False when the interface is not tracked. */
  ifdown(name: string): boolean;
  ifup(name: string): boolean;
  /** Applies a re-read configuration; returns the diff's names for the log. */
  reload(
    before: readonly TrackedInterface[],
    after: readonly TrackedInterface[],
  ): { unchanged: string[]; changed: string[]; added: string[]; removed: string[] };
}

/** A link netifd took down: offline, no probes, until `ifup` (or a reload, or stop). */
function heldTracker(name: string, snap: IfaceSnapshot, deps: TrackerDeps): LinkTracker {
  let ended = false;
  return {
    name,
    snapshot: () => snap,
    wakeAtMs: () => undefined,
    tick: () => undefined,
    halt: () => {
      ended = true;
    },
    end(reason) {
      if (ended) return;
      ended = true;
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
  };
}

/** `trackers`: the running (or, after ifdown, held) tracker of each interface, kept here. */
export function createLeanLinks(trackers: Map<string, LinkTracker>, deps: TrackerDeps): LeanLinks {
  const ifaces = new Map<string, TrackedInterface>();

  const links: LeanLinks = {
    start(iface, opening) {
      ifaces.set(iface.name, iface);
      trackers.set(iface.name, startLinkTracker(iface, deps, opening));
    },
    end(name, reason) {
      trackers.get(name)?.end(reason);
      trackers.delete(name);
      ifaces.delete(name);
    },
    ifdown(name) {
      const t = trackers.get(name);
      if (t === undefined) return false;
      const snap = t.snapshot();
      t.halt();
      const timeMs = deps.nowMs();
      const held: IfaceSnapshot = {
        state: 'offline',
        score: 0,
        lost: snap.lost,
        turn: snap.turn,
        routed: false,
        sinceMs: snap.state === 'offline' ? snap.sinceMs : timeMs,
        lastRoundMs: snap.lastRoundMs,
        degraded: false,
        targets: [],
      };
      if (snap.device !== undefined) held.device = snap.device;
      trackers.set(name, heldTracker(name, held, deps));
      const from: IfaceState = snap.state;
      if (from === 'offline') deps.carried.set(name, 'offline');
      else {
        if (CONFIRMED_REASONS.has('ifdown')) deps.carried.set(name, 'offline');
        deps.onTransition({ type: 'transition', timeMs, iface: name, from, to: 'offline', score: 0, reason: 'ifdown' });
      }
      return true;
    },
    ifup(name) {
      const t = trackers.get(name);
      const iface = ifaces.get(name);
      if (t === undefined || iface === undefined) return false;
      const from = t.snapshot().state;
      t.halt();
      trackers.set(name, startLinkTracker(iface, deps, { from, reason: 'ifup' }));
      return true;
    },
    reload(before, after) {
      const diff = diffTrackedInterfaces(before, after);
      for (const name of [...diff.removed, ...diff.changed.map((i) => i.name)]) links.end(name, 'config');
      for (const i of diff.unchanged) ifaces.set(i.name, i);
      for (const i of [...diff.changed, ...diff.added]) links.start(i, { from: 'unknown', reason: 'config' });
      return {
        unchanged: diff.unchanged.map((i) => i.name),
        changed: diff.changed.map((i) => i.name),
        added: diff.added.map((i) => i.name),
        removed: diff.removed,
      };
    },
  };
  return links;
}

export function statesOf(trackers: Map<string, LinkTracker>): Record<string, IfaceState> {
  const out: Record<string, IfaceState> = {};
  for (const [name, t] of trackers) out[name] = t.snapshot().state;
  return out;
}

export function snapshotsOf(trackers: Map<string, LinkTracker>): Record<string, IfaceSnapshot> {
  const out: Record<string, IfaceSnapshot> = {};
  for (const [name, t] of trackers) out[name] = t.snapshot();
  return out;
}

/** The interfaces mwan3 would route through now (for policy splits): routed links and untracked ones. */
export function onlineIfaces(
  states: Record<string, IfaceState>,
  snapshots: Record<string, IfaceSnapshot>,
  tracking: LoadedTracking,
): string[] {
  const tracked: string[] = [];
  for (const [name, state] of Object.entries(states))
    if (snapshots[name]?.routed ?? (state === 'online' || state === 'disconnecting')) tracked.push(name);
  const untrackedUp = tracking.untracked.filter((u) => u.reason === 'no track_ip').map((u) => u.name);
  return [...tracked, ...untrackedUp];
}
