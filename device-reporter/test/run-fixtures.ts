import assert from 'node:assert/strict';
import type { Prober, ProbeRequest, ProbeResult } from '../tracker/prober.ts';

/**
 * Shared by run*.test.ts and its child: a small mwan3 config (interval 1 s, down/up 2) and a
 * fake Prober of our own interface whose links fail on command. No packet is ever sent; the
 * track_ip values are documentation addresses (TEST-NET-1).
 */
export const MWAN3_TEXT = `
config globals 'globals'
	option enabled '1'

config interface 'wan'
	option enabled '1'
	list track_ip '192.0.2.1'
	option interval '1'
	option timeout '1'
	option down '2'
	option up '2'

config interface 'wanb'
	option enabled '1'
	list track_ip '192.0.2.2'
	option interval '1'
	option timeout '1'
	option down '2'
	option up '2'

config member 'wan_m1_w1'
	option interface 'wan'
	option metric '1'
	option weight '1'

config member 'wanb_m1_w1'
	option interface 'wanb'
	option metric '1'
	option weight '1'

config policy 'balanced'
	list use_member 'wan_m1_w1'
	list use_member 'wanb_m1_w1'
`;

/** A Prober whose answer per target is switched by the test; replies after `rttMs`. */
export function switchableProber(rttMs = 5): { prober: Prober; setDown(target: string, down: boolean): void } {
  const down = new Set<string>();
  return {
    prober: {
      async probe(req: ProbeRequest): Promise<ProbeResult> {
        await new Promise((r) => setTimeout(r, rttMs));
        const ok = !down.has(req.target);
        return {
          target: req.target,
          ok,
          sent: req.count,
          received: ok ? req.count : 0,
          lossPct: ok ? 0 : 100,
          rttAvgMs: ok ? rttMs : null,
          rttMinMs: ok ? rttMs : null,
          rttMaxMs: ok ? rttMs : null,
        };
      },
    },
    setDown(target, d) {
      if (d) down.add(target);
      else down.delete(target);
    },
  };
}

/** A third WAN for reload tests (added and removed again). */
export const WANC = `
config interface 'wanc'
	option enabled '1'
	list track_ip '192.0.2.3'
	option interval '1'
	option timeout '1'
	option down '2'
	option up '2'
`;

export interface SpooledRecord {
  iface?: string;
  from?: string;
  to?: string;
  reason?: string;
  policies?: Array<{ policy: string; members: Array<{ iface: string; sharePct: number }> }>;
}
/** One record as the reporter spooled it (its `onSpooled` entry, parsed). */
export interface Spooled {
  seq: number;
  type: string;
  rec?: SpooledRecord;
}

/** Transitions as `iface:from>to:reason`, policy snapshots as `policy a=50 b=50` (one per policy, members sorted). */
export function lines(recs: readonly Spooled[], type: 'transition' | 'policy'): string[] {
  const out: string[] = [];
  for (const { type: t, rec } of recs) {
    if (t !== type || !rec) continue;
    if (t === 'transition') out.push(`${rec.iface}:${rec.from}>${rec.to}:${rec.reason}`);
    else
      for (const p of rec.policies ?? [])
        out.push([p.policy, ...p.members.map((m) => `${m.iface}=${m.sharePct}`).sort()].join(' '));
  }
  return out;
}

/** Polls `cond` every 50 ms; fails naming `what` after `ms`. */
export async function waitFor(what: string, cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
