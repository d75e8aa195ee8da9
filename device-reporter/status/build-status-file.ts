import type { IfaceState, PolicySplit } from '../../contract/index.ts';
import type { IfaceSnapshot } from '../tracker/scheduler.ts';
import type { StatusCounters, StatusFileIface, StatusFileV1 } from './status-file.ts';

export interface StatusFileInput {
  nowMs: number;
  pid: number;
  writeEveryMs: number;
  stoppedMs?: number;
  states: Record<string, IfaceState>;
  snapshots: Record<string, IfaceSnapshot>;
  untracked: ReadonlyArray<{ name: string; reason: string }>;
  policies: PolicySplit[];
  counters: StatusCounters;
}

/** The status file's content: tracked interfaces with their live snapshot, untracked ones as unknown. Pure. */
export function buildStatusFile(i: StatusFileInput): StatusFileV1 {
  const ifaces: Record<string, StatusFileIface> = {};
  for (const [name, state] of Object.entries(i.states)) ifaces[name] = { state, score: 0, ...i.snapshots[name] };
  for (const u of i.untracked) ifaces[u.name] = { state: 'unknown', score: 0, untracked: u.reason };
  return {
    v: 1,
    timeMs: i.nowMs,
    pid: i.pid,
    writeEveryMs: i.writeEveryMs,
    ...(i.stoppedMs !== undefined ? { stoppedMs: i.stoppedMs } : {}),
    ifaces,
    policies: i.policies,
    counters: i.counters,
  };
}
