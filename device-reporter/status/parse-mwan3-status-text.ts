import type { Family } from '../../contract/index.ts';

/** One interface line of `mwan3 status` / `mwan3 interfaces`. */
export interface StatusIfaceLine {
  name: string;
  /** STATUS (2.11.12+) or hotplug state (older format); `error` in old releases when plumbing is missing. */
  status: string;
  /** `active`, `paused`, `down`, `disabled`, or the pre-2.11.10 `not enabled`. */
  tracking: string;
  /** Seconds online (the first time in the line), when printed. */
  onlineS?: number;
  /** netifd uptime seconds, when printed. */
  uptimeS?: number;
  /** Bitmask of missing ip rules/routes/chains (the ` (N)` suffix), when printed. */
  errorMask?: number;
}

export interface StatusPolicy {
  policy: string;
  members: { iface: string; pct: number }[];
  /** Set when the policy shows its last resort (no member online). */
  lastResort?: string;
}

export interface ParsedMwan3Status {
  interfaces: StatusIfaceLine[];
  policies: Record<Family, StatusPolicy[]>;
}

const HMS = String.raw`(\d+)h:(\d+)m:(\d+)s`;
// 2.11.12+: " interface wan is online and tracking is active (online 00h:12m:34s, uptime 01h:02m:03s)"
const NEW_LINE = new RegExp(
  String.raw`^interface (\S+) is (\S+) and tracking is (\S+)(?: \((\S+) ${HMS}(?:, uptime ${HMS})?\))?(?: \((\d+)\))?$`,
);
// ≤ 2.11.11: " interface eth1 is online 00h:25m:17s, uptime 00h:25m:24s and tracking is active"
const OLD_LINE = new RegExp(
  String.raw`^interface (\S+) is (\S+)(?: ${HMS}, uptime ${HMS})?(?: \((\d+)\))? and tracking is (.+)$`,
);

const secs = (h?: string, m?: string, s?: string): number | undefined =>
  h === undefined ? undefined : Number(h) * 3600 + Number(m) * 60 + Number(s);

function parseIfaceLine(line: string): StatusIfaceLine | undefined {
  let m = NEW_LINE.exec(line);
  if (m) {
    const r: StatusIfaceLine = { name: m[1]!, status: m[2]!, tracking: m[3]! };
    const on = secs(m[5], m[6], m[7]);
    const up = secs(m[8], m[9], m[10]);
    if (on !== undefined) r.onlineS = on;
    if (up !== undefined) r.uptimeS = up;
    if (m[11] !== undefined) r.errorMask = Number(m[11]);
    return r;
  }
  m = OLD_LINE.exec(line);
  if (m) {
    const r: StatusIfaceLine = { name: m[1]!, status: m[2]!, tracking: m[10]! };
    const on = secs(m[3], m[4], m[5]);
    const up = secs(m[6], m[7], m[8]);
    if (on !== undefined) r.onlineS = on;
    if (up !== undefined) r.uptimeS = up;
    if (m[9] !== undefined) r.errorMask = Number(m[9]);
    return r;
  }
  return undefined;
}

/**
 * Parses `mwan3 status` text: both interface formats (≤ 2.11.11 and 2.11.12+), and the layout
 * with a blank line after every line and leading spaces lost (as copied into documents).
 */
export function parseMwan3StatusText(text: string): ParsedMwan3Status {
  const out: ParsedMwan3Status = { interfaces: [], policies: { ipv4: [], ipv6: [] } };
  let block: 'ifaces' | Family | 'other' = 'other';
  let current: StatusPolicy | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line === 'Interface status:') block = 'ifaces';
    else if (/^Current (ipv4|ipv6) policies:$/.test(line)) block = line.includes('ipv4') ? 'ipv4' : 'ipv6';
    else if (/^(Directly connected|Active) .*:$/.test(line)) block = 'other';
    else if (block === 'ifaces') {
      const i = parseIfaceLine(line);
      if (i) out.interfaces.push(i);
    } else if (block === 'ipv4' || block === 'ipv6') {
      const member = /^(\S+) \((\d+)%\)$/.exec(line);
      if (line.endsWith(':')) {
        current = { policy: line.slice(0, -1), members: [] };
        out.policies[block].push(current);
      } else if (member && current) current.members.push({ iface: member[1]!, pct: Number(member[2]) });
      else if (current && /^\S+$/.test(line)) current.lastResort = line;
    }
  }
  return out;
}
