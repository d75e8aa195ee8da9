import type { DeviceEventsJob } from '../../store/index.ts';
import { policyDirection, splitContradicts, summarisePolicies } from './policy-summary.ts';
import type { DeviceAlertState, GroupEvent, PolicyQuiet, PolicyView } from './state.ts';

/**
 * Whether a changed split is emailed:
 *
 * | what last changed the device (SplitCause) | split contradicts the link states | result |
 * |---|---|---|
 * | a lifecycle record (start/stop/config) | – | `lifecycle` (recorded) |
 * | a confirmed link change, or nothing yet | yes | `inconsistent` (recorded) |
 * | a confirmed link change, or nothing yet | no | emailed |
 */
export function policyQuiet(
  since: DeviceAlertState['splitCause'],
  changed: Array<[string, PolicyView]>,
  routed: (iface: string) => boolean | undefined,
): PolicyQuiet | undefined {
  if (since === 'lifecycle') return 'lifecycle';
  return changed.some(([, v]) => splitContradicts(v, routed)) ? 'inconsistent' : undefined;
}

/** Applies one policy snapshot to `s` (the caller's working copy): updates the known splits; returns the change event, if any. */
export function policyEvents(
  s: DeviceAlertState,
  rec: DeviceEventsJob['policies'][number],
  bootId: string,
): GroupEvent[] {
  const now = summarisePolicies(rec);
  const first = s.policies.size === 0;
  const changed: Array<[string, PolicyView]> = [];
  const prevActive = new Set<string>();
  const nextActive = new Set<string>();
  // A policy leaving its last resort while no link has an open outage is the device's start-up
  // (trackers' first connect), not a failback: it sets the baseline silently, as mwan3 ignores
  // FIRSTCONNECT events. A real failback from last resort always follows a link_down.
  const anyOutage = [...s.ifaces.values()].some((i) => i.downSinceMs !== null);
  for (const [key, view] of now) {
    const before = s.policies.get(key);
    const baseline = before !== undefined && before.active.length === 0 && !anyOutage;
    if (before && before.text !== view.text && !baseline) {
      changed.push([key, view]);
      before.active.forEach((i) => prevActive.add(i));
      view.active.forEach((i) => nextActive.add(i));
    }
  }
  for (const [key, view] of now) s.policies.set(key, view);
  const since = s.splitCause;
  if (first || changed.length === 0) return [];
  const active = [...nextActive];
  const routed = (i: string) => s.ifaces.get(i)?.routed;
  const quiet = policyQuiet(since, changed, routed);
  return [
    {
      kind: 'policy_change',
      id: `pol:${bootId}:${rec.seq}`,
      atMs: rec.timeMs,
      direction: policyDirection([...prevActive], active, (i) => routed(i) ?? false),
      policies: changed,
      active,
      ...(quiet ? { quiet } : {}),
    },
  ];
}
