import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ProbeRequest, ProbeResult, Prober } from '../tracker/prober.ts';

export interface TcpConnectOptions {
  /** Source address to bind (the WAN's address), since Node cannot bind a socket to a device. */
  localAddress?: (req: ProbeRequest) => string | undefined;
}

/** Outcome of one connect attempt: an answer (connected or refused: the path works) or none. */
function connectOnce(
  req: ProbeRequest,
  local: string | undefined,
  signal?: AbortSignal,
): Promise<{ answered: boolean; rttMs?: number; error?: string }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const sock = connect({
      host: req.target,
      port: req.port ?? 443,
      family: req.family === 'ipv6' ? 6 : 4,
      ...(local ? { localAddress: local } : {}),
    });
    let done = false;
    const finish = (r: { answered: boolean; rttMs?: number; error?: string }): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ answered: false, error: 'timeout' }), req.timeoutS * 1000);
    const onAbort = (): void => finish({ answered: false, error: 'aborted' });
    signal?.addEventListener('abort', onAbort, { once: true });
    sock.once('connect', () => finish({ answered: true, rttMs: performance.now() - t0 }));
    sock.once('error', (e: NodeJS.ErrnoException) => {
      // A RST (ECONNREFUSED) is an answer from the far end: the link carries traffic.
      if (e.code === 'ECONNREFUSED') finish({ answered: true, rttMs: performance.now() - t0 });
      else finish({ answered: false, error: e.code ?? e.message });
    });
  });
}

/**
 * Pure-Node prober for links that drop ICMP (`track_method tcp`, option `track_port`): `count`
 * TCP connects to the target, one after the other; each answer counts as a reply with its
 * connect time as RTT.
 */
export function createTcpConnectProber(opts: TcpConnectOptions = {}): Prober {
  return {
    async probe(req, signal) {
      const rtts: number[] = [];
      let lastError: string | undefined;
      let sent = 0;
      for (let i = 0; i < req.count && !signal?.aborted; i++) {
        sent++;
        const r = await connectOnce(req, opts.localAddress?.(req), signal);
        if (r.answered) rtts.push(r.rttMs!);
        else lastError = r.error;
      }
      const round3 = (x: number): number => Math.round(x * 1000) / 1000;
      const res: ProbeResult = {
        target: req.target,
        ok: rtts.length > 0,
        sent,
        received: rtts.length,
        lossPct: sent > 0 ? round3(((sent - rtts.length) * 100) / sent) : null,
        rttAvgMs: rtts.length ? round3(rtts.reduce((a, b) => a + b, 0) / rtts.length) : null,
        rttMinMs: rtts.length ? round3(Math.min(...rtts)) : null,
        rttMaxMs: rtts.length ? round3(Math.max(...rtts)) : null,
      };
      if (lastError !== undefined) res.error = lastError;
      return res;
    },
  };
}
