import type { Mwan3Config } from '../config/mwan3-config.ts';
import { computePolicyChains, type PolicyChain } from '../policies/compute-policy-splits.ts';
import type { StatusIfaceView } from './mwan3-status-text.ts';
import type { StatusFileV1 } from './status-file.ts';

export interface StatusView {
  ifaces: StatusIfaceView[];
  chains: PolicyChain[];
  /** Where the states came from, for a note on stderr. */
  source: 'assume-online' | 'status-file' | 'none';
}

/**
 * What `status` prints, from the config plus one source of link state:
 *
 * | input                     | interface state                                    | policies use           |
 * |---------------------------|----------------------------------------------------|------------------------|
 * | `--assume-online a,b`     | listed: online; others: offline (not enabled: unknown) | the listed interfaces |
 * | status file of a running reporter | its states; untracked ones unknown          | the routed interfaces  |
 * | neither                   | unknown, tracking `down` (as mwan3 without trackers) | none (last resort)    |
 */
export function buildStatusView(
  config: Mwan3Config,
  live: StatusFileV1 | undefined,
  assumeOnline: readonly string[] | undefined,
  nowMs: number,
): StatusView {
  const trackingOf = (i: Mwan3Config['interfaces'][number]): StatusIfaceView['tracking'] =>
    i.tracking.trackIps.length === 0 ? 'disabled' : 'down';
  if (assumeOnline !== undefined) {
    const online = new Set(assumeOnline);
    return {
      source: 'assume-online',
      ifaces: config.interfaces.map((i) => ({
        name: i.name,
        state: !i.enabled ? 'unknown' : online.has(i.name) ? 'online' : 'offline',
        tracking: i.enabled && i.tracking.trackIps.length > 0 ? 'active' : trackingOf(i),
      })),
      chains: computePolicyChains(config, online),
    };
  }
  if (live) {
    const routed = Object.entries(live.ifaces)
      .filter(([, s]) => s.routed ?? s.state === 'online')
      .map(([n]) => n);
    return {
      source: 'status-file',
      ifaces: config.interfaces.map((i): StatusIfaceView => {
        const s = live.ifaces[i.name];
        if (!s || s.untracked !== undefined) return { name: i.name, state: 'unknown', tracking: trackingOf(i) };
        const v: StatusIfaceView = { name: i.name, state: s.state, tracking: 'active' };
        if (s.state === 'online' && s.sinceMs !== undefined) v.onlineS = (nowMs - s.sinceMs) / 1000;
        return v;
      }),
      chains: computePolicyChains(config, routed),
    };
  }
  return {
    source: 'none',
    ifaces: config.interfaces.map((i) => ({ name: i.name, state: 'unknown', tracking: trackingOf(i) })),
    chains: computePolicyChains(config, []),
  };
}
