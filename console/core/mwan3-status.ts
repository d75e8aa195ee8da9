import type { LiveState } from '../../store/index.ts';

interface PolicyLike {
  policy?: unknown;
  family?: unknown;
  members?: Array<{ iface?: unknown; sharePct?: unknown }>;
  lastResort?: unknown;
  lastResortActive?: unknown;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The device's live state in the layout of `mwan3 status` (docs/mwan3-reference.md, "ubus status";
 * the reporter prints the same on the router): what an engineer who knows mwan3 reads at a glance.
 *
 * | device                   | interface state  | printed line                                         |
 * | ------------------------ | ---------------- | ---------------------------------------------------- |
 * | reachable                | `disabled`       | ` interface X is disabled and tracking is down`      |
 * | reachable                | any other        | ` interface X is <state> and tracking is active`     |
 * | unreachable (`stale`)    | any              | ` interface X is unknown and tracking is unknown`    |
 *
 * Interfaces sorted by name. Policies per family, sorted by name: the members carrying traffic with
 * their share (`wan (60%)`), or the last resort when it is active. We keep no netifd uptime or online
 * time, so the `(online …)` part of mwan3's line is left out. Returns plain text: the caller escapes it.
 */
export function mwan3StatusText(live: LiveState | undefined, stale: boolean): string {
  const lines = ['Interface status:'];
  const ifaces = Object.entries(live?.ifaces ?? {}).sort(([a], [b]) => byName(a, b));
  for (const [name, l] of ifaces) {
    if (stale) lines.push(` interface ${name} is unknown and tracking is unknown`);
    else lines.push(` interface ${name} is ${l.state} and tracking is ${l.state === 'disabled' ? 'down' : 'active'}`);
  }
  lines.push('');
  const policies = (live?.policies ?? []) as PolicyLike[];
  for (const family of ['ipv4', 'ipv6']) {
    lines.push(`Current ${family} policies:`);
    const ofFamily = policies
      .filter((p) => p.family === family && typeof p.policy === 'string')
      .sort((a, b) => byName(a.policy as string, b.policy as string));
    for (const p of ofFamily) {
      lines.push(`${String(p.policy)}:`);
      const carrying = (p.members ?? []).filter((m) => typeof m.sharePct === 'number' && m.sharePct > 0);
      if (p.lastResortActive === true || carrying.length === 0) lines.push(` ${String(p.lastResort ?? 'unreachable')}`);
      else for (const m of carrying) lines.push(` ${String(m.iface)} (${String(m.sharePct)}%)`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
