import type { PolicyRecord, PolicySplit } from '../../contract/index.ts';
import type { PolicyDirection, PolicyView } from './state.ts';

/** Which interfaces carry traffic for one policy, as shown to people: `eth0 100%` or `none (unreachable)`. */
export function splitText(p: PolicySplit): string {
  const active = p.members.filter((m) => m.sharePct > 0);
  if (p.lastResortActive || active.length === 0) return `none (${p.lastResort})`;
  return active.map((m) => `${m.iface} ${m.sharePct}%`).join(', ');
}

export function activeIfaces(p: PolicySplit): string[] {
  return p.lastResortActive ? [] : p.members.filter((m) => m.sharePct > 0).map((m) => m.iface);
}

/** policy key (`name/family`) -> split text, active and member interfaces. */
export function summarisePolicies(rec: PolicyRecord): Map<string, PolicyView> {
  const out = new Map<string, PolicyView>();
  for (const p of rec.policies)
    out.set(`${p.policy}/${p.family}`, {
      text: splitText(p),
      active: activeIfaces(p),
      members: p.members.map((m) => m.iface),
    });
  return out;
}

/**
 * Whether a split contradicts the link states alerting knows (`routed(iface)`: true = carries
 * traffic, false = down, undefined = alerting does not know the link):
 *
 * | split | a link it names | contradiction |
 * |---|---|---|
 * | traffic on a link | that link is known down | yes |
 * | no link carries traffic | a member link is known up | yes |
 * | otherwise | | no |
 */
export function splitContradicts(view: PolicyView, routed: (iface: string) => boolean | undefined): boolean {
  if (view.active.some((i) => routed(i) === false)) return true;
  return view.active.length === 0 && view.members.some((i) => routed(i) === true);
}

export type { PolicyDirection };

/**
 * Direction of a change of the set of interfaces carrying traffic. `routedNow` tells whether an
 * interface carries traffic as far as link state goes (after this report's transitions).
 *
 * | an iface stopped carrying traffic | that iface is down now | an iface started carrying traffic | direction |
 * |---|---|---|---|
 * | yes | yes | any | failover |
 * | yes | no (still up: traffic moved back to a preferred link) | yes | failback |
 * | no  | – | yes | failback |
 * | no  | – | no  | change (shares moved) |
 */
export function policyDirection(
  prevActive: string[],
  nextActive: string[],
  routedNow: (iface: string) => boolean = () => false,
): PolicyDirection {
  const lost = prevActive.filter((i) => !nextActive.includes(i));
  const gained = nextActive.some((i) => !prevActive.includes(i));
  if (lost.some((i) => !routedNow(i))) return 'failover';
  if (lost.length > 0 || gained) return gained ? 'failback' : 'failover';
  return 'change';
}
