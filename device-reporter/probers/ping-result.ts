import { failedProbe, type ProbeRequest, type ProbeResult } from '../tracker/prober.ts';
import type { PingSummary } from './parse-ping-output.ts';

/** The arguments mwan3track gives ping (docs/mwan3-reference.md, "Probes and target classification"), plus `-I <device>` for the binding. */
export function pingArgs(req: ProbeRequest, busybox = false): string[] {
  const args = [req.family === 'ipv6' ? '-6' : '-4'];
  if (!busybox) args.push('-n');
  args.push(
    '-c',
    String(req.count),
    '-W',
    String(req.timeoutS),
    '-s',
    String(req.sizeBytes),
    '-t',
    String(req.maxTtl),
    '-q',
  );
  if (req.device !== undefined) args.push('-I', req.device);
  args.push(req.target);
  return args;
}

/** ping's exit code, output and its parsed summary -> a result; no statistics (spawn error, bad device, kill) = failed target. */
export function probeResultOf(
  req: ProbeRequest,
  s: PingSummary | undefined,
  code: number | null,
  output: string,
  error?: string,
): ProbeResult {
  if (!s) return failedProbe(req.target, 0, error ?? `ping exited ${code}: ${output.trim().slice(0, 200)}`);
  const r: ProbeResult = {
    target: req.target,
    ok: code === 0 && s.received > 0,
    sent: s.sent,
    received: s.received,
    lossPct: s.lossPct,
    rttAvgMs: s.rttAvgMs,
    rttMinMs: s.rttMinMs,
    rttMaxMs: s.rttMaxMs,
  };
  if (code !== 0) r.error = error ?? `ping exited ${code}`;
  return r;
}
