import type { IfaceState } from '../../contract/index.ts';
import type { PolicyChain } from '../policies/compute-policy-splits.ts';

const hms = (s: number): string => {
  const t = Math.max(0, Math.floor(s));
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(Math.floor(t / 3600))}h:${p(Math.floor((t % 3600) / 60))}m:${p(t % 60)}s`;
};

export interface StatusIfaceView {
  name: string;
  state: IfaceState;
  tracking: 'active' | 'paused' | 'down' | 'disabled';
  /** Seconds the interface has been online (printed for online interfaces). */
  onlineS?: number;
}

/**
 * Prints interfaces then policies in the layout of `mwan3 status` (2.11.12+ interface lines;
 * policies sorted by name, members in chain order, the last resort when none is online). We
 * have no netifd uptime, so an online line carries only the online time.
 */
export function formatMwan3Status(ifaces: readonly StatusIfaceView[], chains: readonly PolicyChain[]): string {
  const lines = ['Interface status:'];
  for (const i of ifaces) {
    const since = i.state === 'online' && i.onlineS !== undefined ? ` (online ${hms(i.onlineS)})` : '';
    lines.push(` interface ${i.name} is ${i.state} and tracking is ${i.tracking}${since}`);
  }
  lines.push('');
  for (const family of ['ipv4', 'ipv6'] as const) {
    lines.push(`Current ${family} policies:`);
    const ofFamily = chains
      .filter((c) => c.family === family)
      .sort((a, b) => (a.policy < b.policy ? -1 : a.policy > b.policy ? 1 : 0));
    for (const c of ofFamily) {
      lines.push(`${c.policy}:`);
      if (c.lastResortActive) lines.push(` ${c.lastResort}`);
      else for (const m of c.chain) lines.push(` ${m.iface} (${m.sharePct}%)`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
