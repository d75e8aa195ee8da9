import type { IncidentKind } from '../../store/index.ts';

/** What a route can select by: the product's names for kinds of incident. */
export const ROUTE_KINDS = ['link_down', 'all_links_down', 'unreachable', 'degraded', 'failover', 'flapping'] as const;
export type RouteKind = (typeof ROUTE_KINDS)[number];

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A time-of-day window in a time zone; `from` > `to` wraps past midnight (22:00–06:00). */
export interface TimeWindow {
  timeZone: string;
  /** Minutes after local midnight, [from, to). */
  fromMin: number;
  toMin: number;
  /** Local weekdays the window is open on (the day it starts); all when absent. */
  days?: Weekday[];
}

/** One route: every condition given must hold (a list matches when it contains the value). */
export interface Route {
  name: string;
  kinds?: RouteKind[];
  devices?: string[];
  sites?: string[];
  time?: TimeWindow;
  receivers: string[];
  /** Also try the routes after this one (otherwise the first match ends the walk). */
  continue?: boolean;
}

export interface RoutingTable {
  routes: Route[];
  /** Receivers of a notice no route matched. */
  defaultReceivers: string[];
}

/**
 * The route kind of a notice's headline kind; the end of a matter routes like its start, so the
 * UP reaches whoever was told of the DOWN.
 *
 * | headline kind | route kind |
 * |---|---|
 * | link_down, link_up | link_down |
 * | all_links_down | all_links_down |
 * | device_unreachable, device_back_online | unreachable |
 * | link_degraded, link_recovered | degraded |
 * | policy_change | failover |
 * | flapping | flapping |
 * | reminder of a link (iface set) | link_down |
 * | reminder of the device (no iface) | unreachable |
 */
export function routeKindOf(kind: IncidentKind, iface: string | null): RouteKind {
  switch (kind) {
    case 'link_down':
    case 'link_up':
      return 'link_down';
    case 'all_links_down':
      return 'all_links_down';
    case 'device_unreachable':
    case 'device_back_online':
      return 'unreachable';
    case 'link_degraded':
    case 'link_recovered':
      return 'degraded';
    case 'policy_change':
      return 'failover';
    case 'flapping':
      return 'flapping';
    case 'reminder':
      return iface === null ? 'unreachable' : 'link_down';
  }
}

/** Local weekday and minute of the day of an instant in a time zone. Pure. */
export function localTime(atMs: number, timeZone: string): { day: Weekday; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(atMs));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return {
    day: get('weekday').toLowerCase().slice(0, 3) as Weekday,
    minute: Number(get('hour')) * 60 + Number(get('minute')),
  };
}

/**
 * Whether an instant falls in a window:
 *
 * | window | open when (local time t, local day d) |
 * |---|---|
 * | from < to | from ≤ t < to, and d in days |
 * | from > to (wraps) | t ≥ from on a day in days, or t < to on the day after one in days |
 * | from = to | the whole day, d in days |
 */
export function inWindow(w: TimeWindow, atMs: number): boolean {
  const { day, minute } = localTime(atMs, w.timeZone);
  const dayOk = (d: Weekday) => !w.days || w.days.includes(d);
  if (w.fromMin === w.toMin) return dayOk(day);
  if (w.fromMin < w.toMin) return dayOk(day) && minute >= w.fromMin && minute < w.toMin;
  const yesterday = WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7]!;
  return (minute >= w.fromMin && dayOk(day)) || (minute < w.toMin && dayOk(yesterday));
}

/** What routing looks at in a notice. */
export interface RoutedNotice {
  kind: IncidentKind;
  iface: string | null;
  deviceId: string;
  site: string | null;
  atMs: number;
}

/**
 * The receivers (names) of a notice: routes in order; a route matches when each condition it
 * sets holds; the first match ends the walk unless it says `continue`; no match → the default.
 * Pure; the instant is the notice's, so a retried flush routes the same way.
 *
 * | matches | continue | result |
 * |---|---|---|
 * | none | – | defaultReceivers |
 * | route A | no | A's receivers |
 * | A then B | A yes | A's ∪ B's receivers |
 * | A then B | A no | A's receivers |
 */
export function routeNotice(n: RoutedNotice, table: RoutingTable): string[] {
  const kind = routeKindOf(n.kind, n.iface);
  const out = new Set<string>();
  let matched = false;
  for (const r of table.routes) {
    if (r.kinds && !r.kinds.includes(kind)) continue;
    if (r.devices && !r.devices.includes(n.deviceId)) continue;
    if (r.sites && (n.site === null || !r.sites.includes(n.site))) continue;
    if (r.time && !inWindow(r.time, n.atMs)) continue;
    matched = true;
    for (const name of r.receivers) out.add(name);
    if (!r.continue) break;
  }
  return matched ? [...out] : [...table.defaultReceivers];
}
