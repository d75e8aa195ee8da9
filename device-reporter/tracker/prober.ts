import type { Family } from '../../contract/index.ts';

/**
 * One probe of one target, bound to one Linux device. The fields mirror the mwan3 options that
 * shape a probe (docs/mwan3-reference.md, "Tracking options and defaults" and "Probes and target
 * classification"): `count` packets, `timeoutS` per reply, payload `sizeBytes`, `maxTtl`.
 */
export interface ProbeRequest {
  /** IP address or host name (mwan3 lets the probe tool resolve names). */
  target: string;
  /** Linux device to bind to (`ping -I <device>`); undefined = no binding (tests, loopback). */
  device?: string;
  family: Family;
  /** mwan3 `track_method` (e.g. `ping`, `tcp`); the prober registry picks the implementation. */
  method: string;
  count: number;
  timeoutS: number;
  sizeBytes: number;
  maxTtl: number;
  /** TCP port for connect-based methods. */
  port?: number;
}

/**
 * The outcome of one probe. A failed target is a result (`ok: false`, `received: 0`), never a throw:
 * one dead target must not stop the other targets or interfaces.
 */
export interface ProbeResult {
  target: string;
  /** The tool's own verdict: ping's exit code 0 (at least one reply), or TCP connected. */
  ok: boolean;
  sent: number;
  received: number;
  /** Loss as the tool counts it (0–100); null when nothing was sent. */
  lossPct: number | null;
  rttAvgMs: number | null;
  rttMinMs: number | null;
  rttMaxMs: number | null;
  /** Why the probe failed (spawn error, timeout, refused …), for logs. */
  error?: string;
}

/** Probes one target. Implementations: `ExecPingProber`, `TcpConnectProber`, fakes in tests. */
export interface Prober {
  probe(req: ProbeRequest, signal?: AbortSignal): Promise<ProbeResult>;
}

/** A result for a target that could not be probed at all. */
export function failedProbe(target: string, sent: number, error: string): ProbeResult {
  return {
    target,
    ok: false,
    sent,
    received: 0,
    lossPct: sent > 0 ? 100 : null,
    rttAvgMs: null,
    rttMinMs: null,
    rttMaxMs: null,
    error,
  };
}
