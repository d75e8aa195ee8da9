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
