import type { IfaceState } from '../../contract/index.ts';
import type { LoadedTracking } from '../config/load-tracked.ts';
import { sourceAddressOf, type UploadRoute } from '../uploader/routes.ts';

/**
 * One upload route per tracked WAN, bound to its device's address, with the tracker's view of it:
 * online while routed (online or disconnecting), suspect while its last round failed.
 */
export function wanUploadRoutes(tracking: LoadedTracking, states: Record<string, IfaceState>): UploadRoute[] {
  const familyOf = new Map(tracking.config.interfaces.map((i) => [i.name, i.family]));
  return tracking.interfaces.map((i) => {
    const localAddress = sourceAddressOf(i.device, familyOf.get(i.name) ?? 'ipv4');
    const s = states[i.name] ?? 'unknown';
    return {
      iface: i.name,
      ...(i.device ? { device: i.device } : {}),
      ...(localAddress ? { localAddress } : {}),
      online: s === 'online' || s === 'disconnecting',
      suspect: s === 'disconnecting',
    };
  });
}
