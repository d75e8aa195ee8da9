import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IfaceState, PolicySplit, TargetResult } from '../../contract/index.ts';

/**
 * The live-state file the running reporter (`run`) writes and `wanwatch-reporter status` reads:
 * `<spool-dir>/status.json`, replaced atomically after every round.
 */
export const STATUS_FILE_NAME = 'status.json';

export function statusFilePath(spoolDir: string): string {
  return join(spoolDir, STATUS_FILE_NAME);
}

export interface StatusFileIface {
  state: IfaceState;
  score: number;
  /** Whether mwan3 routes through it (online after connected, until disconnected). */
  routed?: boolean;
  device?: string;
  /** When the interface entered `state`. */
  sinceMs?: number;
  lastRoundMs?: number | null;
  degraded?: boolean;
  lost?: number;
  turn?: number;
  targets?: TargetResult[];
  /** `disabled` (not enabled), `no track_ip`, `no device`: why there is no tracker. */
  untracked?: string;
}

/** Records since the reporter started (pending: the whole spool backlog, older runs included). */
export interface StatusCounters {
  /** Appended to the spool. */
  recorded: number;
  /** Acknowledged by the backend. */
  uploaded: number;
  /** In the spool, not yet acknowledged. */
  pending: number;
  /** Rejected by the backend for good (logged one by one) and removed from the spool. */
  dropped: number;
  /** Old samples thinned away because the spool was full (transitions never are). */
  thinned: number;
}

export interface StatusFileV1 {
  v: 1;
  timeMs: number;
  ifaces: Record<string, StatusFileIface>;
  policies: PolicySplit[];
  /** The reporter's process id (to tell a live reporter from a dead one's last file). */
  pid?: number;
  /** The file is rewritten at least this often while the reporter runs. */
  writeEveryMs?: number;
  /** Set by a clean stop: the reporter has ended on purpose. */
  stoppedMs?: number;
  counters?: StatusCounters;
}

/** Writes the status file atomically (temp file + rename), so readers never see half a file. */
export function writeStatusFile(spoolDir: string, status: StatusFileV1): void {
  mkdirSync(spoolDir, { recursive: true });
  const path = statusFilePath(spoolDir);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(status));
  renameSync(tmp, path);
}

/** Reads the status file; undefined when there is none (no reporter running) or it is not v1. */
export function readStatusFile(spoolDir: string): StatusFileV1 | undefined {
  let text: string;
  try {
    text = readFileSync(statusFilePath(spoolDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<StatusFileV1>;
    return parsed.v === 1 && parsed.ifaces && Array.isArray(parsed.policies) ? (parsed as StatusFileV1) : undefined;
  } catch {
    return undefined;
  }
}
