import type { IfaceState } from '../../contract/index.ts';
import { IFACE_STATES } from '../../contract/state-names.ts';

/** One interface from `ubus call mwan3 status` (docs/mwan3-reference.md, "ubus status"), normalised. */
export interface UbusIfaceStatus {
  name: string;
  state: IfaceState;
  score: number;
  lost: number;
  turn: number;
  /** Seconds online / offline (0 when not in that state). */
  onlineS: number;
  offlineS: number;
  enabled: boolean;
  /** `active|paused|down|disabled`; absent before 2.11.10. */
  tracking?: string;
  up: boolean;
  targets: { ip: string; status: string; latencyMs?: number; lossPct?: number }[];
}

export interface UbusPolicyMember {
  iface: string;
  pct: number;
}

export interface UbusMwan3Status {
  interfaces: UbusIfaceStatus[];
  policies: { ipv4: Record<string, UbusPolicyMember[]>; ipv6: Record<string, UbusPolicyMember[]> };
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * Maps mwan3's status strings to ours: the five tracker states pass through; `notracking`
 * (2.10.8–2.11.8 plugin: mwan3 running, no tracker) and anything unknown become `unknown`.
 */
export function mwan3StateToIfaceState(s: unknown): IfaceState {
  return typeof s === 'string' && (IFACE_STATES as readonly string[]).includes(s) ? (s as IfaceState) : 'unknown';
}

/** Parses the JSON of `ubus call mwan3 status` (2.8 … 2.12 field sets). */
export function parseUbusMwan3Status(json: unknown): UbusMwan3Status {
  const root = (json && typeof json === 'object' ? json : {}) as Record<string, unknown>;
  const ifaces = (root.interfaces && typeof root.interfaces === 'object' ? root.interfaces : {}) as Record<
    string,
    Record<string, unknown>
  >;
  const interfaces = Object.entries(ifaces).map(([name, i]): UbusIfaceStatus => {
    const r: UbusIfaceStatus = {
      name,
      state: mwan3StateToIfaceState(i.status),
      score: num(i.score),
      lost: num(i.lost),
      turn: num(i.turn),
      onlineS: num(i.online),
      offlineS: num(i.offline),
      enabled: i.enabled === true,
      up: i.up === true,
      targets: (Array.isArray(i.track_ip) ? i.track_ip : []).map((t: Record<string, unknown>) => {
        const tr: UbusIfaceStatus['targets'][number] = { ip: String(t.ip), status: String(t.status ?? 'unknown') };
        if (typeof t.latency === 'number') tr.latencyMs = t.latency;
        if (typeof t.packetloss === 'number') tr.lossPct = t.packetloss;
        return tr;
      }),
    };
    if (typeof i.tracking === 'string') r.tracking = i.tracking;
    return r;
  });
  const pol = (root.policies && typeof root.policies === 'object' ? root.policies : {}) as Record<
    string,
    Record<string, { interface: string; percent: number }[]>
  >;
  const fam = (f: 'ipv4' | 'ipv6'): Record<string, UbusPolicyMember[]> =>
    Object.fromEntries(
      Object.entries(pol[f] ?? {}).map(([p, ms]) => [
        p,
        (Array.isArray(ms) ? ms : []).map((m) => ({ iface: String(m.interface), pct: num(m.percent) })),
      ]),
    );
  return { interfaces, policies: { ipv4: fam('ipv4'), ipv6: fam('ipv6') } };
}
