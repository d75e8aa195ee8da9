import type { Prober, ProbeRequest, ProbeResult } from '../../device-reporter/tracker/prober.ts';
import { conditionAt, type Story } from './link-script.ts';

/**
 * A `Prober` whose links follow a demo story instead of sending packets: the real tracker,
 * spool and uploader run on top of it, so the demo exercises the same code as a router. No
 * traffic leaves the process. Latency: eth1 ≈ 12 ms, eth0 ≈ 28 ms, degraded ≈ 220 ms with 30 % loss.
 * A dead link answers after the probe's timeout, as ping would.
 */
export function createSimulatedProber(o: {
  story: Story;
  cycleMs: number;
  startedAtMs: number;
  nowMs?: () => number;
  random?: () => number;
}): Prober {
  const now = o.nowMs ?? Date.now;
  const rnd = o.random ?? Math.random;
  return {
    async probe(req: ProbeRequest, signal?: AbortSignal): Promise<ProbeResult> {
      const link = req.device ?? 'eth0';
      const cond = conditionAt(o.story, link, now() - o.startedAtMs, o.cycleMs);
      const base = link === 'eth1' ? 12 : 28;
      const rtts: number[] = [];
      for (let i = 0; i < req.count; i++) {
        if (cond === 'down') continue;
        if (cond === 'degraded' && rnd() < 0.3) continue;
        rtts.push(cond === 'degraded' ? 180 + rnd() * 80 : base + rnd() * 6);
      }
      const waitMs = rtts.length === req.count ? Math.max(...rtts, 1) : req.timeoutS * 1000;
      await new Promise<void>((resolve) => {
        const onAbort = () => {
          clearTimeout(t);
          resolve();
        };
        const t = setTimeout(
          () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
          Math.min(waitMs, 5_000),
        );
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      const received = rtts.length;
      return {
        target: req.target,
        ok: received > 0,
        sent: req.count,
        received,
        lossPct: ((req.count - received) / req.count) * 100,
        rttAvgMs: received ? rtts.reduce((a, b) => a + b, 0) / received : null,
        rttMinMs: received ? Math.min(...rtts) : null,
        rttMaxMs: received ? Math.max(...rtts) : null,
        ...(received ? {} : { error: 'simulated link down' }),
      };
    },
  };
}
