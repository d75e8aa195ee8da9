import { parseUci, uciString } from './uci.ts';

/** A logical interface of `/etc/config/network`. */
export interface NetworkInterface {
  name: string;
  /** Linux device (`option device`, or the pre-21.02 `option ifname`). */
  device?: string;
  proto?: string;
  disabled: boolean;
}

/** Logical interface name -> its settings, from `/etc/config/network` text. */
export function parseNetworkConfig(text: string): Map<string, NetworkInterface> {
  const out = new Map<string, NetworkInterface>();
  for (const s of parseUci(text).sections) {
    if (s.type !== 'interface' || s.name === undefined) continue;
    const ni: NetworkInterface = { name: s.name, disabled: uciString(s, 'disabled') === '1' };
    const device = uciString(s, 'device') ?? uciString(s, 'ifname');
    if (device !== undefined) ni.device = device;
    const proto = uciString(s, 'proto');
    if (proto !== undefined) ni.proto = proto;
    out.set(s.name, ni);
  }
  return out;
}

/**
 * The Linux device mwan3 binds probes to: the "true interface" alias `<iface>_4` / `<iface>_6`
 * when netifd has one for the family (docs/mwan3-reference.md, "Tracker process and devices"), else the interface itself.
 */
export function deviceFor(
  network: Map<string, NetworkInterface>,
  iface: string,
  family: 'ipv4' | 'ipv6',
): string | undefined {
  const alias = network.get(`${iface}_${family === 'ipv4' ? '4' : '6'}`);
  return alias?.device ?? network.get(iface)?.device;
}
