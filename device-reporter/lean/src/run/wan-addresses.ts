import type { IfaceState } from '../../../../contract/index.ts';
import type { LoadedTracking } from '../../../config/load-tracked.ts';
import type { UploadRoute } from '../../../uploader/route-order.ts';
import { runSync } from '../platform/children.ts';

/**
 * Upload routes as the Node build's run/wan-routes.ts builds them: one per tracked WAN bound to
 * its device's first global address (read with `ip -o addr show dev <device>`, kept for 10 s),
 * online while routed, suspect while its last round failed; then the unbound default route.
 */
export function createRouteSource(
  nowMs: () => number,
): (t: LoadedTracking, states: Record<string, IfaceState>) => UploadRoute[] {
  const cache = new Map<string, { atMs: number; address: string | undefined }>();
  const addressOf = (device: string, family: 'ipv4' | 'ipv6'): string | undefined => {
    const key = `${family} ${device}`;
    const hit = cache.get(key);
    if (hit !== undefined && nowMs() - hit.atMs < 10_000) return hit.address;
    const r = runSync(
      ['ip', family === 'ipv4' ? '-4' : '-6', '-o', 'addr', 'show', 'dev', device, 'scope', 'global'],
      2_000,
      nowMs,
    );
    const [address] = string.match(r.output, family === 'ipv4' ? 'inet ([%d%.]+)/' : 'inet6 ([%x:]+)/');
    cache.set(key, { atMs: nowMs(), address });
    return address;
  };
  return (tracking, states) => {
    const familyOf = new Map(tracking.config.interfaces.map((i) => [i.name, i.family]));
    const routes: UploadRoute[] = tracking.interfaces.map((i) => {
      const s = states[i.name] ?? 'unknown';
      const r: UploadRoute = {
        iface: i.name,
        online: s === 'online' || s === 'disconnecting',
        suspect: s === 'disconnecting',
      };
      if (i.device !== undefined) {
        r.device = i.device;
        const a = addressOf(i.device, familyOf.get(i.name) ?? 'ipv4');
        if (a !== undefined) r.localAddress = a;
      }
      return r;
    });
    routes.push({ iface: 'default', online: true });
    return routes;
  };
}
