import type { TrackedInterface } from '../tracker/scheduler.ts';
import { parseMwan3Config, type Mwan3Config } from './mwan3-config.ts';
import { deviceFor, parseNetworkConfig } from './network-config.ts';

export interface LoadedTracking {
  config: Mwan3Config;
  /** Interfaces that get a tracker: `enabled 1` and at least one `track_ip` (as mwan3's init script). */
  interfaces: TrackedInterface[];
  /** Interfaces without a tracker, with why (for logs and `status`). */
  untracked: { name: string; reason: 'disabled' | 'no track_ip' | 'no device' }[];
}

/**
 * Loads what the scheduler needs from `/etc/config/mwan3` and `/etc/config/network` text. The
 * network file is optional: without it probes are not bound to a device.
 */
export function loadTrackedInterfaces(mwan3Text: string, networkText?: string): LoadedTracking {
  const config = parseMwan3Config(mwan3Text);
  const network = networkText === undefined ? undefined : parseNetworkConfig(networkText);
  const out: LoadedTracking = { config, interfaces: [], untracked: [] };
  for (const i of config.interfaces) {
    if (!i.enabled) out.untracked.push({ name: i.name, reason: 'disabled' });
    else if (i.tracking.trackIps.length === 0) out.untracked.push({ name: i.name, reason: 'no track_ip' });
    else {
      const device = network ? deviceFor(network, i.name, i.family) : undefined;
      if (network && device === undefined) {
        // mwan3track pauses ("disabled") when netifd has no device for the interface.
        out.untracked.push({ name: i.name, reason: 'no device' });
        continue;
      }
      const t: TrackedInterface = { name: i.name, options: i.tracking };
      if (device !== undefined) t.device = device;
      out.interfaces.push(t);
    }
  }
  return out;
}
