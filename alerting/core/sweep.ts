import type { Silence } from '../../store/index.ts';
import type { AlertingOptions } from '../options.ts';
import { addToGroup, backOnline } from './apply-events.ts';
import { NOT_BLIND, unreachableNotBeforeMs, type BlindnessOptions, type BlindnessView } from './blindness.ts';
import { dispose, type Notice, type SweepItem } from './notice.ts';
import type { DeviceAlertState } from './state.ts';

export type SweepOptions = Pick<
  AlertingOptions,
  'watchdogMinMs' | 'watchdogIntervalFactor' | 'reminderIntervalMs' | 'flapWindowMs' | 'groupWaitMs'
> &
  BlindnessOptions;

/** max(watchdogMinMs, factor × the device's report interval). */
export function watchdogTimeoutMs(reportIntervalMs: number | null, opts: SweepOptions): number {
  return Math.max(opts.watchdogMinMs, opts.watchdogIntervalFactor * (reportIntervalMs ?? 0));
}

/** Why the watchdog may not call a reachable device unreachable yet, besides recent reports. */
export interface WatchdogGuard {
  /** Every interface of the device's current run ended with `stop`: it was stopped on purpose. */
  stopped: boolean;
  /** The backend cannot hear devices right now. */
  blindNow: boolean;
  /** Earliest unreachable time (last seen + timeout, later after a gap of the backend). */
  notBeforeMs: number;
}

/**
 * Watchdog decision for one device.
 *
 * | alerting says | last seen | stopped | backend blind now | now ≥ not-before | decision |
 * |---|---|---|---|---|---|
 * | any | never seen | – | – | – | `none` |
 * | reachable | seen | yes | – | – | `none` (stopped on purpose) |
 * | reachable | seen | no | yes | – | `none` (the backend's silence, not the device's) |
 * | reachable | seen | no | no | yes | `unreachable` |
 * | reachable | seen | no | no | no | `none` |
 * | unreachable | newer than when declared unreachable | – | – | – | `back_online` |
 * | unreachable | unchanged | – | – | – | `none` |
 */
export function decideReachability(
  s: DeviceAlertState,
  lastSeenMs: number | null,
  guard: WatchdogGuard,
  nowMs: number,
): 'unreachable' | 'back_online' | 'none' {
  if (lastSeenMs === null) return 'none';
  if (s.reach === 'reachable')
    return !guard.stopped && !guard.blindNow && nowMs >= guard.notBeforeMs ? 'unreachable' : 'none';
  return lastSeenMs > (s.unreachableLastSeenMs ?? 0) ? 'back_online' : 'none';
}

/**
 * Stopped on purpose: alerting saw every interface of a run end with `stop`, and ingest has heard
 * no other run since (`liveBootId`: the run of the last report; unknown counts as the same).
 */
export function isStopped(s: DeviceAlertState, liveBootId: string | null): boolean {
  return s.stopped !== null && (liveBootId === null || liveBootId === s.stopped.bootId);
}

export interface SweepResult {
  state: DeviceAlertState;
  /** Items to send now (unreachable, reminders, end of flapping), as one notice each. */
  notices: Notice[];
  openedGroup: { id: string; flushAtMs: number } | null;
  reachChange: 'unreachable' | 'reachable' | null;
}

function notice(s: DeviceAlertState, item: SweepItem, silences: Silence[], nowMs: number): Notice {
  const kind =
    item.kind === 'device_unreachable' ? 'device_unreachable' : item.kind === 'reminder' ? 'reminder' : 'flapping';
  return { id: item.id, deviceId: s.deviceId, kind, atMs: item.atMs, items: [dispose(item, s, silences, nowMs)] };
}

/** Reminder due? First after `interval` from the start of the outage, then every interval; 0 = off. */
export function reminderDue(
  sinceMs: number,
  lastReminderMs: number | null,
  intervalMs: number,
  nowMs: number,
): boolean {
  return intervalMs > 0 && nowMs >= (lastReminderMs ?? sinceMs) + intervalMs;
}

/** The periodic sweep of one device (pure): watchdog, end of flapping, reminders (none for an acknowledged incident). */
export function sweepDevice(
  state: DeviceAlertState,
  input: {
    lastSeenMs: number | null;
    reportIntervalMs: number | null;
    liveBootId?: string | null;
    blindness?: BlindnessView;
    /** Acknowledged incident ids: someone is on it, so no reminders. */
    acked?: ReadonlySet<string>;
  },
  nowMs: number,
  silences: Silence[],
  opts: SweepOptions,
): SweepResult {
  const s = structuredClone(state);
  const notices: Notice[] = [];
  let openedGroup: SweepResult['openedGroup'] = null;
  let reachChange: SweepResult['reachChange'] = null;
  const timeoutMs = watchdogTimeoutMs(input.reportIntervalMs, opts);
  const blindness = input.blindness ?? NOT_BLIND;
  const guard: WatchdogGuard = {
    stopped: isStopped(s, input.liveBootId ?? null),
    blindNow: blindness.blindNow,
    notBeforeMs:
      input.lastSeenMs === null ? Infinity : unreachableNotBeforeMs(input.lastSeenMs, timeoutMs, blindness.gaps, opts),
  };
  const reach = decideReachability(s, input.lastSeenMs, guard, nowMs);
  if (reach === 'unreachable') {
    const lastSeenMs = input.lastSeenMs!;
    s.reach = 'unreachable';
    s.unreachableSinceMs = nowMs;
    s.unreachableLastSeenMs = lastSeenMs;
    s.unreachableIncidentId = `unreach:${lastSeenMs}`;
    notices.push(
      notice(
        s,
        { kind: 'device_unreachable', id: `unreach:${lastSeenMs}`, atMs: nowMs, lastSeenMs, timeoutMs },
        silences,
        nowMs,
      ),
    );
    reachChange = 'unreachable';
  } else if (reach === 'back_online') {
    openedGroup = addToGroup(s, [backOnline(s, input.lastSeenMs!)], nowMs, opts.groupWaitMs);
    reachChange = 'reachable';
  }
  for (const [iface, st] of s.ifaces) {
    const last = st.changesMs.at(-1);
    if (st.flappingSinceMs !== null && last !== undefined && nowMs - last >= opts.flapWindowMs) {
      notices.push(
        notice(
          s,
          { kind: 'flapping_ended', id: `${st.flapIncidentId}:end`, iface, atMs: nowMs, state: st.state },
          silences,
          nowMs,
        ),
      );
      st.flappingSinceMs = null;
      st.flapIncidentId = null;
      st.changesMs = [];
    }
    if (
      s.reach === 'reachable' &&
      st.downSinceMs !== null &&
      st.flappingSinceMs === null &&
      !input.acked?.has(st.downIncidentId ?? '') &&
      reminderDue(st.downSinceMs, st.lastReminderMs, opts.reminderIntervalMs, nowMs)
    ) {
      st.remindersSent += 1;
      st.lastReminderMs = nowMs;
      notices.push(
        notice(
          s,
          {
            kind: 'reminder',
            id: `rem:${st.downIncidentId}:${st.remindersSent}`,
            atMs: nowMs,
            iface,
            sinceMs: st.downSinceMs,
            n: st.remindersSent,
          },
          silences,
          nowMs,
        ),
      );
    }
  }
  if (
    s.reach === 'unreachable' &&
    s.unreachableSinceMs !== null &&
    reach !== 'unreachable' &&
    !input.acked?.has(s.unreachableIncidentId ?? '') &&
    reminderDue(s.unreachableSinceMs, s.unreachableLastReminderMs, opts.reminderIntervalMs, nowMs)
  ) {
    s.unreachableRemindersSent += 1;
    s.unreachableLastReminderMs = nowMs;
    const n = s.unreachableRemindersSent;
    notices.push(
      notice(
        s,
        {
          kind: 'reminder',
          id: `rem:${s.unreachableIncidentId}:${n}`,
          atMs: nowMs,
          iface: null,
          sinceMs: s.unreachableSinceMs,
          n,
        },
        silences,
        nowMs,
      ),
    );
  }
  return { state: s, notices, openedGroup, reachChange };
}
