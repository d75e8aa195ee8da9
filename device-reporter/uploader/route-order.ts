/**
 * Upload routes: one per WAN, bound to that WAN's source address the way `mwan3 use <iface>` pins
 * a command to a link, plus the unbound default route as the last resort.
 */
export interface UploadRoute {
  /** mwan3 interface name (`wan`, `wanb`), or `default` for the unbound route. */
  iface: string;
  /** Linux device (`eth1`), for logs. */
  device?: string;
  /** Source address the upload socket binds to; undefined = let the kernel choose. */
  localAddress?: string;
  /** The tracker's current view: online (or not yet declared offline). */
  online: boolean;
  /**
   * The tracker's last round on this WAN failed (mwan3's `disconnecting`): still routed, so still
   * tried, but after the WANs whose last round passed.
   */
  suspect?: boolean;
}

export interface RouteHistory {
  lastGoodIface: string | undefined;
  /** iface -> when an upload through it last failed at the network level. */
  failedAtMs: ReadonlyMap<string, number>;
}

/**
 * The order to try routes in. Pure.
 *
 * 1. online routes that have not failed within `cooldownMs`, the last one that worked first;
 * 2. online routes that failed recently (the tracker may not have noticed yet — try, but last), or
 *    whose last probe round failed (`suspect`);
 * 3. routes the tracker says are not online (a link can carry traffic before it is declared up);
 * 4. the unbound default route.
 *
 * A route without a source address (its device has none) is skipped, except `default`.
 */
export function orderRoutes(
  routes: readonly UploadRoute[],
  h: RouteHistory,
  nowMs: number,
  cooldownMs: number,
): UploadRoute[] {
  const recentFail = (r: UploadRoute) => nowMs - (h.failedAtMs.get(r.iface) ?? -Infinity) < cooldownMs;
  const rank = (r: UploadRoute): number => {
    if (r.localAddress === undefined) return 4;
    if (!r.online) return 3;
    if (recentFail(r) || r.suspect) return 2;
    return r.iface === h.lastGoodIface ? 0 : 1;
  };
  return routes
    .filter((r) => r.localAddress !== undefined || r.iface === 'default')
    .map((r, i) => ({ r, i, k: rank(r) }))
    .sort((a, b) => (a.k !== b.k ? a.k - b.k : a.i - b.i))
    .map((x) => x.r);
}

/**
 * Exponential backoff with full jitter: a random delay in [base·2^(n-1)/2, base·2^(n-1)], capped.
 * Half the window stays fixed so a fleet that lost the backend together does not retry in lockstep,
 * yet never hammers it. Pure (`random` passed in).
 */
export function backoffDelayMs(failures: number, baseMs: number, maxMs: number, random: () => number): number {
  if (failures <= 0) return 0;
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(30, failures - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
