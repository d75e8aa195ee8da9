import type { IfaceMetrics, IfaceState } from '../../contract/index.ts';
import type { PolicyDirection } from './policy-summary.ts';

/**
 * Alerting's memory of one device, kept in Redis as JSON (so any worker process can continue)
 * and changed only by the pure functions in this folder, under a per-device lock.
 */
export interface IfaceAlertState {
  state: IfaceState;
  /** Carries traffic as mwan3 routes it (online, or disconnecting after online). */
  routed: boolean;
  /** Open link-down incident: when the link went offline, and its id. */
  downSinceMs: number | null;
  downIncidentId: string | null;
  /** Last reminder sent for the open outage. */
  lastReminderMs: number | null;
  remindersSent: number;
  /** Times of routed changes (down/up) inside the flap window. */
  changesMs: number[];
  /** Set while the interface is flapping; per-change emails are damped meanwhile. */
  flappingSinceMs: number | null;
  flapIncidentId: string | null;
  degraded: boolean;
}

export interface PolicyView {
  text: string;
  active: string[];
}

export type GroupEvent =
  | { kind: 'link_down'; id: string; iface: string; atMs: number }
  | { kind: 'link_up'; id: string; iface: string; atMs: number; downSinceMs: number | null; durationMs: number | null }
  | { kind: 'link_degraded' | 'link_recovered'; id: string; iface: string; atMs: number }
  | { kind: 'flapping'; id: string; iface: string; atMs: number; changes: number; windowMs: number }
  | {
      kind: 'policy_change';
      id: string;
      atMs: number;
      direction: PolicyDirection;
      /** policy key -> split after the change (only the changed policies). */
      policies: Record<string, PolicyView>;
      active: string[];
    }
  | { kind: 'device_back_online'; id: string; atMs: number; unreachableSinceMs: number; lastSeenBeforeMs: number };

/** Events waiting for the group wait to end; flushed as one email. */
export interface PendingGroup {
  id: string;
  openedAtMs: number;
  flushAtMs: number;
  events: GroupEvent[];
}

export interface DeviceAlertState {
  v: 1;
  deviceId: string;
  reach: 'reachable' | 'unreachable';
  unreachableSinceMs: number | null;
  /** Last-seen time when the device was declared unreachable (identifies that incident). */
  unreachableLastSeenMs: number | null;
  unreachableIncidentId: string | null;
  unreachableRemindersSent: number;
  unreachableLastReminderMs: number | null;
  /** Highest transition/policy seq applied per boot (a replayed job adds nothing). */
  seen: Record<string, number>;
  ifaces: Record<string, IfaceAlertState>;
  policies: Record<string, PolicyView>;
  metrics: Record<string, IfaceMetrics>;
  group: PendingGroup | null;
}

export function emptyDeviceState(deviceId: string): DeviceAlertState {
  return {
    v: 1,
    deviceId,
    reach: 'reachable',
    unreachableSinceMs: null,
    unreachableLastSeenMs: null,
    unreachableIncidentId: null,
    unreachableRemindersSent: 0,
    unreachableLastReminderMs: null,
    seen: {},
    ifaces: {},
    policies: {},
    metrics: {},
    group: null,
  };
}

export function emptyIface(state: IfaceState = 'unknown'): IfaceAlertState {
  return {
    state,
    routed: state === 'online',
    downSinceMs: null,
    downIncidentId: null,
    lastReminderMs: null,
    remindersSent: 0,
    changesMs: [],
    flappingSinceMs: null,
    flapIncidentId: null,
    degraded: false,
  };
}

/** Whether alerting still has something open for this device (the sweep must keep looking at it). */
export function hasOpenMatters(s: DeviceAlertState): boolean {
  return (
    s.reach === 'unreachable' ||
    s.group !== null ||
    Object.values(s.ifaces).some((i) => i.downSinceMs !== null || i.flappingSinceMs !== null)
  );
}
