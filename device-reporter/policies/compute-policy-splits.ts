import type { Family, LastResort, PolicySplit } from '../../contract/index.ts';
import { FAMILIES } from '../../contract/state-names.ts';
import type { Mwan3Config } from '../config/mwan3-config.ts';

/** mwan3 skips policies whose name is longer than this (iptables chain name limit). */
export const MAX_POLICY_NAME_LENGTH = 15;
/** Members with a metric above this are ignored by mwan3. */
export const MAX_MEMBER_METRIC = 256;

export interface ChainMember {
  iface: string;
  metric: number;
  weight: number;
  sharePct: number;
}

/** One policy in one family as mwan3 builds its iptables chain (docs/mwan3-reference.md, "Policies"). */
export interface PolicyChain {
  policy: string;
  family: Family;
  /** Members carrying traffic, in chain order (reverse of use_member order, as `mwan3 policies` prints). */
  chain: ChainMember[];
  /** Every usable member of this family; those not carrying traffic have sharePct 0. */
  members: ChainMember[];
  lastResort: LastResort;
  lastResortActive: boolean;
}

/**
 * Builds each policy's chain per family the way mwan3_set_policies_iptables does:
 *
 * | member (in use_member order)         | effect                                                    |
 * |--------------------------------------|-----------------------------------------------------------|
 * | offline, or metric > 256, or other family | not in the chain                                     |
 * | online, metric < lowest so far       | chain := [member], total := weight, lowest := metric      |
 * | online, metric = lowest              | total += weight, member inserted at the top of the chain  |
 * | online, metric > lowest              | ignored                                                   |
 *
 * Each chain member's share is floor(weight·100 / total). With an empty chain the policy's
 * `last_resort` (default `unreachable`) is active. Policies with names longer than 15 characters
 * are skipped, as mwan3 does.
 */
export function computePolicyChains(
  config: Mwan3Config,
  onlineIfaces: Iterable<string>,
  families: readonly Family[] = FAMILIES,
): PolicyChain[] {
  const online = new Set(onlineIfaces);
  const familyOf = new Map(config.interfaces.map((i) => [i.name, i.family]));
  const members = new Map(config.members.map((m) => [m.name, m]));
  const out: PolicyChain[] = [];
  for (const policy of config.policies) {
    if (policy.name.length > MAX_POLICY_NAME_LENGTH) continue;
    for (const family of families) {
      const usable = policy.useMember
        .map((n) => members.get(n))
        .filter((m) => m !== undefined && m.metric <= MAX_MEMBER_METRIC && (familyOf.get(m.iface) ?? 'ipv4') === family)
        .map((m) => m!);
      let lowest = MAX_MEMBER_METRIC;
      let total = 0;
      let chain: typeof usable = [];
      for (const m of usable) {
        if (!online.has(m.iface)) continue;
        if (m.metric < lowest) {
          lowest = m.metric;
          total = m.weight;
          chain = [m];
        } else if (m.metric === lowest) {
          total += m.weight;
          chain.unshift(m);
        }
      }
      const share = (w: number): number => Math.floor((w * 100) / total);
      const chainMembers = chain.map((m) => ({
        iface: m.iface,
        metric: m.metric,
        weight: m.weight,
        sharePct: share(m.weight),
      }));
      const rest = usable
        .filter((m) => !chain.includes(m))
        .map((m) => ({ iface: m.iface, metric: m.metric, weight: m.weight, sharePct: 0 }));
      out.push({
        policy: policy.name,
        family,
        chain: chainMembers,
        members: [...chainMembers, ...rest],
        lastResort: policy.lastResort,
        lastResortActive: chain.length === 0,
      });
    }
  }
  return out;
}

/** Policy splits as the report's `policy` record carries them (contract `PolicySplit`). */
export function computePolicySplits(
  config: Mwan3Config,
  onlineIfaces: Iterable<string>,
  families: readonly Family[] = FAMILIES,
): PolicySplit[] {
  return computePolicyChains(config, onlineIfaces, families).map((c) => ({
    policy: c.policy,
    family: c.family,
    members: c.members.map((m) => ({ iface: m.iface, sharePct: m.sharePct, metric: m.metric, weight: m.weight })),
    lastResort: c.lastResort,
    lastResortActive: c.lastResortActive,
  }));
}
