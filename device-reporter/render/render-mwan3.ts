import type { MultiWanV2, WanInterfaceConfig } from '../../contract/index.ts';
import type { NetworkInterface } from '../config/network-config.ts';
import type { UciPackage, UciSection, UciValue } from '../config/uci.ts';

/**
 * Tracking options the device adds to every interface (seed README mapping): they are not in
 * multiWanV2, so they are fixed here.
 */
export const FIXED_TRACKING_OPTIONS: ReadonlyArray<[string, string]> = [
  ['down', '1'],
  ['up', '3'],
  ['initial_state', 'online'],
  ['track_method', 'ping'],
  ['reliability', '1'],
  ['count', '1'],
  ['size', '56'],
  ['max_ttl', '60'],
  ['check_quality', '0'],
];

function section(type: string, name: string, values: [string, UciValue][]): UciSection {
  return { type, name, values: new Map(values), line: 0 };
}

const memberName = (iface: string, metric: number, weight: number): string => `${iface}_m${metric}_w${weight}`;

function interfaceSection(w: WanInterfaceConfig): UciSection {
  return section('interface', w.interfaceName, [
    ['enabled', w.enable ? '1' : '0'],
    ['track_ip', [...w.targetIps]],
    ['interval', String(w.pingInterval)],
    ['timeout', String(w.pingTimeout)],
    ['failure_interval', String(w.failureInterval)],
    ['recovery_interval', String(w.recoveryInterval)],
    ...FIXED_TRACKING_OPTIONS,
  ]);
}

/**
 * multiWanV2 (+ the device's network interfaces) -> /etc/config/mwan3, by the seed README mapping:
 * one `interface` per WAN that exists in the network config (disabled ones with `enabled 0` and no
 * members); members `<iface>_m<metric>_w<weight>`; policy `FAIL_OVER` = enabled WANs with their
 * metric and weight 1, `LOAD_BALANCE` = enabled WANs with metric 1 and their weight, both in
 * metric order (ties in input order); rules `DEFAULT_HTTPS` (tcp/443, sticky) and `DEFAULT_ANY`
 * use the policy named by `mode`. Without a network config every WAN gets a section.
 */
export function renderMwan3(mw: MultiWanV2, network?: ReadonlyMap<string, NetworkInterface>): UciPackage {
  return renderMwan3Wans(mw, Object.values(mw.wanInterfacesConfig), network);
}

/**
 * `renderMwan3` with the WANs as a list in the JSON's order: the Lua build decodes JSON objects
 * into tables without key order, so it passes the order it read.
 */
export function renderMwan3Wans(
  mw: Pick<MultiWanV2, 'mode' | 'enable'>,
  allWans: readonly WanInterfaceConfig[],
  network?: ReadonlyMap<string, NetworkInterface>,
): UciPackage {
  const wans = allWans.filter((w) => !network || network.has(w.interfaceName));
  const enabled = wans
    .map((w, i) => ({ w, i }))
    .filter(({ w }) => w.enable)
    .sort((a, b) => (a.w.multiWANMetric !== b.w.multiWANMetric ? a.w.multiWANMetric - b.w.multiWANMetric : a.i - b.i))
    .map(({ w }) => w);
  const failOver = enabled.map((w) => ({ iface: w.interfaceName, metric: w.multiWANMetric, weight: 1 }));
  const loadBalance = enabled.map((w) => ({ iface: w.interfaceName, metric: 1, weight: w.multiWANWeight }));
  const members = new Map<string, UciSection>();
  for (const m of [...failOver, ...loadBalance]) {
    const name = memberName(m.iface, m.metric, m.weight);
    members.set(
      name,
      section('member', name, [
        ['interface', m.iface],
        ['metric', String(m.metric)],
        ['weight', String(m.weight)],
      ]),
    );
  }
  const policy = (name: string, ms: typeof failOver): UciSection =>
    section('policy', name, [['use_member', ms.map((m) => memberName(m.iface, m.metric, m.weight))]]);
  const policies = [policy('FAIL_OVER', failOver), policy('LOAD_BALANCE', loadBalance)];
  // mwan3 rejects a list with no entries only by ignoring the policy; an empty use_member list is not writable in UCI.
  for (const p of policies) if ((p.values.get('use_member') as string[]).length === 0) p.values.delete('use_member');
  return {
    sections: [
      section('globals', 'globals', [
        ['mmx_mask', '0x3F00'],
        ['local_source', 'lan'],
        ['mode', mw.mode],
        ['enabled', mw.enable ? '1' : '0'],
      ]),
      section('rule', 'DEFAULT_HTTPS', [
        ['family', 'ipv4'],
        ['sticky', '1'],
        ['proto', 'tcp'],
        ['dest_ip', '0.0.0.0/0'],
        ['dest_port', '443'],
        ['use_policy', mw.mode],
      ]),
      section('rule', 'DEFAULT_ANY', [
        ['family', 'ipv4'],
        ['dest_ip', '0.0.0.0/0'],
        ['use_policy', mw.mode],
      ]),
      ...wans.map((w) => interfaceSection(w)),
      ...members.values(),
      ...policies,
    ],
  };
}
