import type { UploadRoute } from '../uploader/route-order.ts';

/**
 * Optional (`source_rules 1`): makes "bind the upload to a WAN's source address" pick that WAN on
 * a stock mwan3 router. mwan3 routes by firewall mark and incoming interface only (its rules
 * 1000+id iif, 2000+id fwmark, 3000+id unreachable), and `mwan3 use` sets the mark through an
 * LD_PRELOAD library that a Node process cannot load. One rule per WAN,
 * `ip rule add pref 900+id from <source address> lookup <id>`, sends traffic from that address
 * into mwan3's own table for the WAN (id = the interface's 1-based position among the `interface`
 * sections of /etc/config/mwan3, as mwan3_get_iface_id counts). Forwarded LAN traffic is not
 * affected (its source is a LAN address until SNAT, which comes after routing).
 */
export const SOURCE_RULE_PREF_BASE = 900;

export interface SourceRule {
  pref: number;
  from: string;
  table: number;
  family: 'ipv4' | 'ipv6';
}

/** The rules for the current routes. Pure. `ifaceOrder` lists every mwan3 interface section in file order. */
export function planSourceRules(
  ifaceOrder: readonly { name: string; family: 'ipv4' | 'ipv6' }[],
  routes: readonly UploadRoute[],
): SourceRule[] {
  const out: SourceRule[] = [];
  for (const r of routes) {
    const idx = ifaceOrder.findIndex((i) => i.name === r.iface);
    if (idx < 0 || r.localAddress === undefined) continue;
    out.push({
      pref: SOURCE_RULE_PREF_BASE + idx + 1,
      from: r.localAddress,
      table: idx + 1,
      family: ifaceOrder[idx]!.family,
    });
  }
  return out;
}
