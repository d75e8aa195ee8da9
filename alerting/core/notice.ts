import { activeAt, type IncidentKind, type Silence } from '../../store/index.ts';
import type { DeviceAlertState, DisposedItem, NoticeItem } from './state.ts';

export type { SweepItem, NoticeItem, Disposition, DisposedItem, Notice } from './state.ts';

export function itemIface(item: NoticeItem): string | null {
  return 'iface' in item ? item.iface : null;
}

/**
 * The silence that keeps an item from being emailed: one of the device's silences (already narrowed
 * to it by site, store/maintenance-window.ts) for the whole device or this interface, in force
 * at the item's time or now (one-off or a weekly occurrence).
 */
export function findSilence(
  silences: Silence[],
  deviceId: string,
  iface: string | null,
  atMs: number,
  nowMs: number,
): Silence | undefined {
  return silences.find(
    (s) =>
      ((s.deviceId === null && s.site === null) || s.deviceId === deviceId) &&
      (s.iface === null || s.iface === iface) &&
      (activeAt(s, atMs) || activeAt(s, nowMs)),
  );
}

const LINK_KINDS = new Set(['link_down', 'link_up', 'link_degraded', 'link_recovered', 'flapping', 'flapping_ended']);
const DAMPED_KINDS = new Set(['link_down', 'link_up', 'link_degraded', 'link_recovered']);

export function dispose(item: NoticeItem, s: DeviceAlertState, silences: Silence[], nowMs: number): DisposedItem {
  const iface = itemIface(item);
  const silence = findSilence(silences, s.deviceId, iface, item.atMs, nowMs);
  if (silence) return { item, disposition: 'silenced', reason: `silence ${silence.id}` };
  if (s.reach === 'unreachable' && LINK_KINDS.has(item.kind))
    return { item, disposition: 'inhibited', reason: 'device unreachable' };
  if (item.kind === 'policy_change' && item.quiet)
    return {
      item,
      disposition: item.quiet,
      reason:
        item.quiet === 'lifecycle'
          ? 'split changed by reporter start/stop/config only'
          : 'split contradicts the link states',
    };
  const flappingSince = iface === null ? null : (s.ifaces.get(iface)?.flappingSinceMs ?? null);
  if (flappingSince !== null && DAMPED_KINDS.has(item.kind))
    return { item, disposition: 'damped', reason: `${iface} flapping` };
  return { item, disposition: 'notify', reason: 'first notification' };
}

/**
 * Headline kind of a set of items, most important first:
 * device unreachable > back online > all links down > link down > flapping > link up >
 * policy change > degraded > recovered > reminder.
 */
export function headlineKind(items: NoticeItem[], allLinksDown: boolean): IncidentKind {
  const has = (k: string) => items.some((i) => i.kind === k);
  if (has('device_unreachable')) return 'device_unreachable';
  if (has('device_back_online')) return 'device_back_online';
  if (has('link_down')) return allLinksDown ? 'all_links_down' : 'link_down';
  if (has('flapping') || has('flapping_ended')) return 'flapping';
  if (has('link_up')) return 'link_up';
  if (has('policy_change')) return 'policy_change';
  if (has('link_degraded')) return 'link_degraded';
  if (has('link_recovered')) return 'link_recovered';
  return 'reminder';
}

/** Every interface that is not disabled is down (and there is at least one). */
export function allLinksDown(s: DeviceAlertState): boolean {
  const ifaces = [...s.ifaces.values()].filter((i) => i.state !== 'disabled');
  return ifaces.length > 0 && ifaces.every((i) => !i.routed);
}
