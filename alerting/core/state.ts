import type { IfaceState } from '../../contract/index.ts';
import type { LatestIfaceMetrics, IncidentKind } from '../../store/index.ts';
import type { LinkQualityState, QualityFigures } from './quality.ts';

/**
 * Alerting's memory of one device, kept in Redis as JSON (so any worker process can continue)
 * and changed only by the pure functions in this folder, under a per-device lock. Everything keyed
 * by a name the device chose (interface, policy, boot) is a Map: an interface may be called
 * `constructor` or `__proto__`, which a plain object would confuse with its prototype.
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

/** How a policy change moves traffic (policy-summary.ts `policyDirection`). */
export type PolicyDirection = 'failover' | 'failback' | 'change';

export interface PolicyView {
  text: string;
  active: string[];
  /** Member interfaces of the policy (empty when unknown, e.g. a state saved before members were kept). */
  members: string[];
}

/**
 * Why a policy change is not emailed: `lifecycle` = only reporter start/stop/config records since the
 * previous snapshot; `inconsistent` = its split contradicts the link states alerting knows.
 */
export type PolicyQuiet = 'lifecycle' | 'inconsistent';

export type GroupEvent =
  | { kind: 'link_down'; id: string; iface: string; atMs: number }
  | { kind: 'link_up'; id: string; iface: string; atMs: number; downSinceMs: number | null; durationMs: number | null }
  | {
      kind: 'link_degraded' | 'link_recovered';
      id: string;
      iface: string;
      atMs: number;
      /** Who decided: the router's `warn_*` thresholds, or the cloud's evaluation (with its window figures). */
      source?: 'router' | 'cloud';
      figures?: QualityFigures;
    }
  | { kind: 'flapping'; id: string; iface: string; atMs: number; changes: number; windowMs: number }
  | {
      kind: 'policy_change';
      id: string;
      atMs: number;
      direction: PolicyDirection;
      /** [policy key, split after the change] of the changed policies only. */
      policies: Array<[string, PolicyView]>;
      active: string[];
      /** Set when the change is recorded but not emailed. */
      quiet?: PolicyQuiet;
    }
  | { kind: 'device_back_online'; id: string; atMs: number; unreachableSinceMs: number; lastSeenBeforeMs: number };

/** Events waiting for the group wait to end; flushed as one email. */
export interface PendingGroup {
  id: string;
  openedAtMs: number;
  flushAtMs: number;
  events: GroupEvent[];
}

/**
 * A flushed group's notice, saved in the same state write that clears the group and kept until its
 * notify and record jobs are queued (ids derive from the notice, so queueing twice is a no-op).
 * Events arriving meanwhile open a new group instead of joining one whose email is already on its way.
 */
export interface FlushOutbox {
  groupId: string;
  flushAtMs: number;
  notice: Notice;
}

/**
 * What last changed the device as alerting sees it, so what a later split change follows from:
 * `lifecycle` = a reporter start/stop/config record; `confirmed` = a confirmed change that moved a
 * link; `none` = nothing yet. A confirmed record that moved no link (a restarted tracker catching up
 * with a link alerting already knows is down) leaves it as it was.
 */
export type SplitCause = 'none' | 'lifecycle' | 'confirmed';

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
  seen: Map<string, number>;
  ifaces: Map<string, IfaceAlertState>;
  policies: Map<string, PolicyView>;
  metrics: Map<string, LatestIfaceMetrics>;
  /** Cloud-side quality evaluation per link (quality.ts): its recent rounds and verdict. */
  quality: Map<string, LinkQualityState>;
  group: PendingGroup | null;
  /** A flushed group whose notice is not yet queued for delivery. */
  outbox: FlushOutbox | null;
  /** The reporter run (bootId) heard last, and the reason of each interface's last transition in it. */
  run: { bootId: string; lastReason: Map<string, string> } | null;
  /** Set while every interface of run `bootId` has ended with `stop`: the reporter was stopped on purpose. */
  stopped: { bootId: string; atMs: number } | null;
  splitCause: SplitCause;
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
    seen: new Map(),
    ifaces: new Map(),
    policies: new Map(),
    metrics: new Map(),
    quality: new Map(),
    group: null,
    outbox: null,
    run: null,
    stopped: null,
    splitCause: 'none',
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
    s.outbox !== null ||
    [...s.ifaces.values()].some((i) => i.downSinceMs !== null || i.flappingSinceMs !== null)
  );
}

/** JSON text of a state: Maps as arrays of [name, value] pairs, so no name ever becomes an object key. */
export function serialiseState(s: DeviceAlertState): string {
  return JSON.stringify({
    ...s,
    seen: [...s.seen],
    ifaces: [...s.ifaces],
    policies: [...s.policies],
    metrics: [...s.metrics],
    quality: [...s.quality],
    run: s.run && { bootId: s.run.bootId, lastReason: [...s.run.lastReason] },
  });
}

/**
 * Map from what a stored state holds for one name-keyed field: `[name, value]` pairs (current
 * format) or an object (states written before names were kept in Maps; JSON.parse makes even
 * `__proto__` an own property, and Object.entries reads own properties only).
 */
function toMap<T>(v: unknown, fix: (x: T) => T = (x) => x): Map<string, T> {
  if (Array.isArray(v)) return new Map((v as Array<[string, T]>).map(([k, x]) => [String(k), fix(x)]));
  if (v && typeof v === 'object') return new Map(Object.entries(v as Record<string, T>).map(([k, x]) => [k, fix(x)]));
  return new Map();
}

/** Parses a stored state (either format); a missing field takes its empty value. */
export function parseState(raw: string, deviceId: string): DeviceAlertState {
  const o = JSON.parse(raw) as Record<string, unknown>;
  const base = emptyDeviceState(deviceId);
  const run = o.run as { bootId?: unknown; lastReason?: unknown } | null | undefined;
  const group = (o.group ?? null) as PendingGroup | null;
  if (group) {
    for (const e of group.events)
      if (e.kind === 'policy_change' && !Array.isArray(e.policies))
        e.policies = [...toMap<PolicyView>(e.policies, (p) => ({ ...p, members: p.members ?? [] }))];
  }
  return {
    ...base,
    ...(o as Partial<DeviceAlertState>),
    deviceId,
    seen: toMap<number>(o.seen),
    ifaces: toMap<IfaceAlertState>(o.ifaces),
    policies: toMap<PolicyView>(o.policies, (p) => ({ ...p, members: p.members ?? [] })),
    metrics: toMap<LatestIfaceMetrics>(o.metrics),
    quality: toMap<LinkQualityState>(o.quality),
    group,
    outbox: (o.outbox as FlushOutbox | null | undefined) ?? null,
    run:
      run && typeof run.bootId === 'string' ? { bootId: run.bootId, lastReason: toMap<string>(run.lastReason) } : null,
    stopped: (o.stopped as DeviceAlertState['stopped']) ?? null,
    splitCause: (o.splitCause as SplitCause) ?? 'none',
  };
}

/** Items that are not grouped: decided by the sweep and sent at once. */
export type SweepItem =
  | { kind: 'device_unreachable'; id: string; atMs: number; lastSeenMs: number; timeoutMs: number }
  | { kind: 'reminder'; id: string; atMs: number; iface: string | null; sinceMs: number; n: number }
  | { kind: 'flapping_ended'; id: string; iface: string; atMs: number; state: string };

export type NoticeItem = GroupEvent | SweepItem;

/**
 * What happens to an item:
 *
 * | silence covers it (device, or device+iface; at its time or now) | device unreachable | its iface flapping | item | disposition |
 * |---|---|---|---|---|
 * | yes | – | – | any | `silenced` (recorded, not emailed) |
 * | no | yes | – | link item (down/up/degraded/recovered/flapping) | `inhibited` |
 * | no | no | yes | link_down/link_up/degraded/recovered | `damped` |
 * | no | no | – | policy change marked quiet (see policyQuiet) | `lifecycle` / `inconsistent` |
 * | otherwise | | | | `notify` |
 */
export type Disposition = 'notify' | 'silenced' | 'inhibited' | 'damped' | 'lifecycle' | 'inconsistent';

export interface DisposedItem {
  item: NoticeItem;
  disposition: Disposition;
  /** Why, for logs and the incident record. */
  reason: string;
}

/** One email (or, when nothing is to be emailed, one record of what was suppressed). */
export interface Notice {
  /** Stable notification id (BullMQ job id and Message-ID derive from it). */
  id: string;
  deviceId: string;
  /** Headline kind. */
  kind: IncidentKind;
  atMs: number;
  items: DisposedItem[];
}

/**
 * The open incident of a device with this id, or null: a link that is down or the device
 * unreachable. A link's incident is named by its incident id (`down:<event id>`) or by the id of
 * its DOWN event (what notifications and receivers show). Only an open incident can be acknowledged.
 *
 * | id names | state | result |
 * |---|---|---|
 * | the unreachable incident | device unreachable | `device_unreachable` |
 * | a link's DOWN (either form) | that link still down | `link_down` with its iface and incident id |
 * | anything else (closed, unknown) | – | null |
 */
export function openIncident(
  s: DeviceAlertState,
  incidentId: string,
): { kind: 'link_down'; iface: string; id: string } | { kind: 'device_unreachable'; id: string } | null {
  if (s.reach === 'unreachable' && s.unreachableIncidentId === incidentId)
    return { kind: 'device_unreachable', id: incidentId };
  for (const [iface, st] of s.ifaces)
    if (st.downSinceMs !== null && (st.downIncidentId === incidentId || st.downIncidentId === `down:${incidentId}`))
      return { kind: 'link_down', iface, id: st.downIncidentId };
  return null;
}
