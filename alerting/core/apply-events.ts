import { isRouted, type TransitionRecord } from '../../contract/index.ts';
import type { DeviceEventsJob } from '../../store/index.ts';
import type { AlertingOptions } from '../options.ts';
import { policyEvents } from './policy-events.ts';
import { qualityEvents, qualityThresholds, type QualityOptions, type QualityRecord } from './quality-events.ts';
import { emptyQuality, type QualityThresholds } from './quality.ts';
import { emptyIface, type DeviceAlertState, type GroupEvent, type IfaceAlertState } from './state.ts';

export type FlapOptions = Pick<AlertingOptions, 'flapMaxChanges' | 'flapWindowMs'>;

/**
 * What one transition means for alerting. Only routing-relevant changes (mwan3's connected /
 * disconnected, i.e. `online` <-> `offline`) are link down/up; connecting/disconnecting are not.
 *
 * | routed before | state after | open down incident | decision |
 * |---|---|---|---|
 * | yes | offline | – | `down` (opens an incident) |
 * | yes | disconnecting | – | `none` (still routed) |
 * | yes | disabled/unknown/connecting | – | `unrouted` (admin ifdown etc.; no incident) |
 * | no  | online | yes | `up` (resolves it, with duration) |
 * | no  | online | no  | `routed` (first up after start; nothing to resolve) |
 * | no  | anything else | – | `none` |
 *
 * An interface seen for the first time counts as routed before iff `from` is online/disconnecting.
 */
export type LinkDecision = 'down' | 'up' | 'routed' | 'unrouted' | 'none';

export function decideLinkChange(prev: IfaceAlertState, t: TransitionRecord): LinkDecision {
  const routedAfter = isRouted(t.to, prev.routed);
  if (prev.routed && !routedAfter) return t.to === 'offline' ? 'down' : 'unrouted';
  if (!prev.routed && routedAfter) return prev.downSinceMs !== null ? 'up' : 'routed';
  return 'none';
}

/**
 * Flap damping: more than `flapMaxChanges` routed changes within `flapWindowMs` starts flapping
 * (once; the interface then stays flapping until stable for the window, see sweep).
 *
 * | changes in window | already flapping | result |
 * |---|---|---|
 * | > max | no  | `start` |
 * | > max | yes | `continue` |
 * | ≤ max | any | `continue` if flapping, else `stable` |
 */
export function decideFlap(changesMs: number[], flapping: boolean, opts: FlapOptions): 'start' | 'continue' | 'stable' {
  if (changesMs.length > opts.flapMaxChanges && !flapping) return 'start';
  return flapping ? 'continue' : 'stable';
}

export interface ApplyResult {
  state: DeviceAlertState;
  added: GroupEvent[];
  /** Set when a new group was opened: the shell schedules its flush. */
  openedGroup: { id: string; flushAtMs: number } | null;
  reasons: string[];
  /** Changes of a link's degraded verdict, for the `wan_link_quality` measurement. */
  quality: QualityRecord[];
}

/** Reasons of confirmed changes: probe rounds, netifd hotplug, mwan3 itself. */
const CONFIRMED_REASONS: ReadonlySet<string> = new Set(['track', 'ifup', 'ifdown', 'mwan3']);

/**
 * What a transition may do to alerting's idea of a link:
 *
 * | reason | alerting knows the link | effect |
 * |---|---|---|
 * | `track`, `ifup`, `ifdown`, `mwan3` (confirmed) | any | `confirmed`: decideLinkChange (may email, counts for flapping) |
 * | `start`, `stop`, `config` (lifecycle) | yes | `ignore`: nothing changes (InfluxDB keeps the record) |
 * | `start`, `stop`, `config` (lifecycle) | no | `first`: the link's first state, taken silently |
 */
export function transitionRole(reason: string, known: boolean): 'confirmed' | 'ignore' | 'first' {
  if (CONFIRMED_REASONS.has(reason)) return 'confirmed';
  return known ? 'ignore' : 'first';
}

/**
 * First state of a link alerting has never seen, from a lifecycle record: the state carried from
 * the reporter's previous run (`from`, when it is a confirmed online/offline), otherwise `to`.
 */
export function firstState(t: TransitionRecord): IfaceAlertState {
  const state = t.from === 'online' || t.from === 'offline' ? t.from : t.to;
  return { ...emptyIface(state), routed: isRouted(state, false) };
}

function linkEvents(
  s: DeviceAlertState,
  t: TransitionRecord,
  bootId: string,
  opts: FlapOptions,
  reasons: string[],
  quality: QualityRecord[],
): GroupEvent[] {
  const known = s.ifaces.get(t.iface);
  const role = transitionRole(t.reason, known !== undefined);
  if (role !== 'confirmed') {
    if (role === 'first') s.ifaces.set(t.iface, firstState(t));
    s.splitCause = 'lifecycle';
    reasons.push(`${t.iface} ${t.from}->${t.to} (${t.reason}): lifecycle, ${role}`);
    return [];
  }
  const prev = known ?? {
    ...emptyIface('unknown'),
    routed: t.from === 'online' || t.from === 'disconnecting',
  };
  const decision = decideLinkChange(prev, t);
  if (decision !== 'none') s.splitCause = 'confirmed';
  const next: IfaceAlertState = {
    ...prev,
    state: t.to,
    routed: isRouted(t.to, prev.routed),
    changesMs: [...prev.changesMs],
  };
  const out: GroupEvent[] = [];
  const id = `${bootId}:${t.seq}`;
  if (decision === 'down') {
    // A brownout that ends in an outage is one story: the DOWN email follows DEGRADED, no RECOVERED between.
    if (s.quality.get(t.iface)?.degraded) reasons.push(`${t.iface}: down while degraded (cloud verdict reset)`);
    s.quality.set(t.iface, emptyQuality());
    next.downSinceMs = t.timeMs;
    next.downIncidentId = `down:${id}`;
    next.lastReminderMs = null;
    next.remindersSent = 0;
    out.push({ kind: 'link_down', id: `down:${id}`, iface: t.iface, atMs: t.timeMs });
  } else if (decision === 'up') {
    const since = prev.downSinceMs;
    out.push({
      kind: 'link_up',
      id: `up:${id}`,
      iface: t.iface,
      atMs: t.timeMs,
      downSinceMs: since,
      durationMs: since === null ? null : t.timeMs - since,
    });
    next.downSinceMs = null;
    next.downIncidentId = null;
  }
  if (decision === 'down' || decision === 'up') out.push(...flapEvents(next, t, id, opts, reasons));
  if (t.degraded !== undefined && t.degraded !== prev.degraded) {
    next.degraded = t.degraded;
    quality.push({ iface: t.iface, atMs: t.timeMs, degraded: t.degraded, source: 'router', figures: null });
    // Combined with the cloud verdict: a brownout both sides see is one incident.
    if (!s.quality.get(t.iface)?.degraded) {
      out.push({
        kind: t.degraded ? 'link_degraded' : 'link_recovered',
        id: `deg:${id}`,
        iface: t.iface,
        atMs: t.timeMs,
        source: 'router',
      });
    }
  }
  reasons.push(`${t.iface} ${t.from}->${t.to} (${t.reason}): ${decision}`);
  s.ifaces.set(t.iface, next);
  return out;
}

/** Counts a down/up change of `next` for flapping; returns the flapping event when it starts. */
function flapEvents(
  next: IfaceAlertState,
  t: TransitionRecord,
  id: string,
  opts: FlapOptions,
  reasons: string[],
): GroupEvent[] {
  next.changesMs = [...next.changesMs.filter((ms) => ms > t.timeMs - opts.flapWindowMs), t.timeMs];
  if (decideFlap(next.changesMs, next.flappingSinceMs !== null, opts) !== 'start') return [];
  next.flappingSinceMs = t.timeMs;
  next.flapIncidentId = `flap:${id}`;
  reasons.push(`${t.iface}: ${next.changesMs.length} changes within ${opts.flapWindowMs} ms -> flapping`);
  return [
    {
      kind: 'flapping',
      id: `flap:${id}`,
      iface: t.iface,
      atMs: t.timeMs,
      changes: next.changesMs.length,
      windowMs: opts.flapWindowMs,
    },
  ];
}

/**
 * The reporter run's bookkeeping after a job's transitions: a job of another bootId starts a new
 * run; each transition sets its interface's last reason; `config {to: unknown}` (interface removed)
 * drops it.
 *
 * | every interface of the current run ended with `stop` | result |
 * |---|---|
 * | yes | `stopped` (kept from the first job that completed it) |
 * | no (or no interface yet) | not stopped |
 */
export function trackRun(s: DeviceAlertState, job: DeviceEventsJob): void {
  if (s.run?.bootId !== job.bootId) s.run = { bootId: job.bootId, lastReason: new Map() };
  for (const t of job.transitions) {
    if (t.reason === 'config' && t.to === 'unknown') s.run.lastReason.delete(t.iface);
    else s.run.lastReason.set(t.iface, t.reason);
  }
  const reasons = [...s.run.lastReason.values()];
  const allStopped = reasons.length > 0 && reasons.every((r) => r === 'stop');
  if (!allStopped) s.stopped = null;
  else if (s.stopped?.bootId !== job.bootId) s.stopped = { bootId: job.bootId, atMs: job.receivedAtMs };
}

/**
 * Applies one DeviceEventsJob (pure; `nowMs` is the worker's clock). A new group's wait starts
 * at the report's arrival (`receivedAtMs`, ingest's clock) or now, whichever is earlier. Records already applied
 * (same bootId, seq not above the highest seen) are skipped, so a replayed job adds nothing.
 * A job from a device alerting believes unreachable means it is back: a `device_back_online`
 * event joins the group, so the back-filled transitions are summarised in the same email.
 */
export function applyDeviceEvents(
  state: DeviceAlertState,
  job: DeviceEventsJob,
  nowMs: number,
  opts: FlapOptions & { groupWaitMs: number } & Partial<QualityOptions> & {
      /** Per-link thresholds (overrides resolved by the shell); default: the options' thresholds for every link. */
      qualityFor?: (iface: string) => QualityThresholds;
    },
): ApplyResult {
  const s: DeviceAlertState = structuredClone(state);
  const reasons: string[] = [];
  const quality: QualityRecord[] = [];
  const added: GroupEvent[] = [];
  const seenSeq = s.seen.get(job.bootId) ?? -1;
  if (s.reach === 'unreachable') {
    added.push(backOnline(s, job.receivedAtMs));
    reasons.push('report arrived from an unreachable device -> back online');
  }
  const records = [...job.transitions, ...job.policies].filter((r) => r.seq > seenSeq).sort((a, b) => a.seq - b.seq);
  if (records.length < job.transitions.length + job.policies.length) reasons.push('skipped records already applied');
  for (const r of records) {
    if (r.type === 'transition') added.push(...linkEvents(s, r, job.bootId, opts, reasons, quality));
    else added.push(...policyEvents(s, r, job.bootId));
  }
  const maxSeq = records.reduce((m, r) => Math.max(m, r.seq), seenSeq);
  s.seen.delete(job.bootId);
  s.seen.set(job.bootId, maxSeq);
  for (const b of [...s.seen.keys()].slice(0, Math.max(0, s.seen.size - 4))) s.seen.delete(b);
  trackRun(s, { ...job, transitions: records.filter((r) => r.type === 'transition') });
  if (s.stopped) reasons.push(`every interface of run ${s.stopped.bootId} ended with stop -> stopped`);
  for (const [iface, m] of Object.entries(job.metrics)) s.metrics.set(iface, m);
  const thresholds = qualityThresholds(opts);
  if (thresholds && job.rounds) {
    const thresholdsFor = opts.qualityFor ?? (() => thresholds);
    added.push(...qualityEvents(s, job.rounds, thresholdsFor, reasons, quality));
  }
  // The group wait runs from the report's arrival at ingest, not from when a worker got to it.
  const openedAtMs = Math.min(nowMs, job.receivedAtMs);
  return { state: s, added, openedGroup: addToGroup(s, added, openedAtMs, opts.groupWaitMs), reasons, quality };
}

/** Marks an unreachable device reachable again and returns the event that says so. */
export function backOnline(s: DeviceAlertState, atMs: number): GroupEvent {
  const ev: GroupEvent = {
    kind: 'device_back_online',
    id: `back:${s.unreachableLastSeenMs ?? 0}`,
    atMs,
    unreachableSinceMs: s.unreachableSinceMs ?? atMs,
    lastSeenBeforeMs: s.unreachableLastSeenMs ?? atMs,
  };
  s.reach = 'reachable';
  s.unreachableSinceMs = null;
  s.unreachableIncidentId = null;
  s.unreachableRemindersSent = 0;
  s.unreachableLastReminderMs = null;
  return ev;
}

/** Adds events to the pending group; opens one (flush after the group wait) if none is pending. */
export function addToGroup(
  s: DeviceAlertState,
  events: GroupEvent[],
  nowMs: number,
  groupWaitMs: number,
): { id: string; flushAtMs: number } | null {
  if (events.length === 0) return null;
  if (s.group) {
    s.group.events.push(...events);
    return null;
  }
  s.group = { id: events[0]!.id, openedAtMs: nowMs, flushAtMs: nowMs + groupWaitMs, events: [...events] };
  return { id: s.group.id, flushAtMs: s.group.flushAtMs };
}
