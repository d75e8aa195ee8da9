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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const text = (v: unknown, fallback: string): string =>
  typeof v === 'string' ? v : v === undefined || v === null ? fallback : String(v);

/**
 * Parses the JSON of `ubus call mwan3 status` (2.8 … 2.12 field sets). Interfaces and policies come
 * in the JSON's order: `keyOrder` gives an object's keys in that order where the platform's own
 * objects have none (the lean build's decoder); Object.keys elsewhere. Shared by both builds.
 */
export function parseUbusMwan3Status(
  json: unknown,
  keyOrder: (this: void, obj: object) => string[] = (obj) => Object.keys(obj),
): UbusMwan3Status {
  const root = isObject(json) ? json : {};
  const ifaces = isObject(root.interfaces) ? root.interfaces : {};
  const interfaces: UbusIfaceStatus[] = [];
  for (const name of keyOrder(ifaces)) {
    const entry = ifaces[name];
    const i = isObject(entry) ? entry : {};
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
      targets: (Array.isArray(i.track_ip) ? (i.track_ip as unknown[]) : [])
        .filter((x): x is Record<string, unknown> => isObject(x))
        .map((t) => {
          const tr: UbusIfaceStatus['targets'][number] = {
            ip: text(t.ip, 'undefined'),
            status: text(t.status, 'unknown'),
          };
          if (typeof t.latency === 'number') tr.latencyMs = t.latency;
          if (typeof t.packetloss === 'number') tr.lossPct = t.packetloss;
          return tr;
        }),
    };
    if (typeof i.tracking === 'string') r.tracking = i.tracking;
    interfaces.push(r);
  }
  const pol = isObject(root.policies) ? root.policies : {};
  const fam = (f: 'ipv4' | 'ipv6'): Record<string, UbusPolicyMember[]> => {
    const byPolicy = isObject(pol[f]) ? pol[f] : {};
    // fromEntries defines own keys: a policy named like an Object.prototype member stays data.
    return Object.fromEntries(
      keyOrder(byPolicy).map((p): [string, UbusPolicyMember[]] => {
        const ms = byPolicy[p];
        const members = (Array.isArray(ms) ? (ms as unknown[]) : []).filter((x): x is Record<string, unknown> =>
          isObject(x),
        );
        return [p, members.map((m) => ({ iface: text(m.interface, 'undefined'), pct: num(m.percent) }))];
      }),
    );
  };
  return { interfaces, policies: { ipv4: fam('ipv4'), ipv6: fam('ipv6') } };
}
