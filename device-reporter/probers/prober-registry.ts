import type { ProbeRequest, ProbeResult, Prober } from '../tracker/prober.ts';

export interface ProberRegistryOptions {
  ping: Prober;
  tcp: Prober;
  /** Called once per unsupported track_method (mwan3 logs a warning and falls back to ping). */
  warn?: (msg: string) => void;
}

/** track_method values we implement; anything else is probed with ping, like mwan3 does for a missing tool. */
export const SUPPORTED_TRACK_METHODS = ['ping', 'tcp'] as const;

/** A Prober that picks the implementation by `req.method`. */
export function createProberRegistry(opts: ProberRegistryOptions): Prober {
  const warned = new Set<string>();
  return {
    probe(req: ProbeRequest, signal?: AbortSignal): Promise<ProbeResult> {
      if (req.method === 'tcp') return opts.tcp.probe(req, signal);
      if (req.method !== 'ping' && !warned.has(req.method)) {
        warned.add(req.method);
        opts.warn?.(
          `track_method "${req.method}" is not supported by wanwatch; using ping instead (as mwan3 does when the tool is missing)`,
        );
      }
      return opts.ping.probe(req, signal);
    },
  };
}
