import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Child services (influxd, redis-server) are started detached, recorded in a registry of pid files,
 * and watched by a tiny reaper shell that kills the service when its owner process dies — even by
 * SIGKILL, when no exit handler runs. `sweepStale()` removes what a crashed run left, touching only
 * pids recorded in the registry whose command line still matches (never anybody else's processes).
 */
export const REGISTRY_DIR = join(tmpdir(), 'wanwatch-stack');

export interface ServiceRecord {
  name: string;
  pid: number;
  /** Process whose death must stop this service; 0 = detached (stopped by `wanwatch stack stop`). */
  ownerPid: number;
  /** The executable, matched against /proc/<pid>/cmdline before any kill. */
  binary: string;
  startedAtMs: number;
  dataDir: string;
}

export interface RunningService extends ServiceRecord {
  stop(): Promise<void>;
  exited: Promise<number | null>;
}

export function isAlive(pid: number): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    // A zombie still answers kill(0); treat it as dead.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

function cmdlineMatches(pid: number, binary: string): boolean {
  try {
    // redis-server rewrites its process title ("/usr/bin/redis-server 127.0.0.1:PORT"), so compare the first word.
    const first = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/)[0]!;
    return first.split('/').pop() === binary.split('/').pop();
  } catch {
    return false;
  }
}

function recordPath(pid: number): string {
  return join(REGISTRY_DIR, `${pid}.json`);
}

export function listRecords(): ServiceRecord[] {
  if (!existsSync(REGISTRY_DIR)) return [];
  const out: ServiceRecord[] = [];
  for (const f of readdirSync(REGISTRY_DIR)) {
    if (!f.endsWith('.json')) continue;
    try {
      out.push(JSON.parse(readFileSync(join(REGISTRY_DIR, f), 'utf8')) as ServiceRecord);
    } catch {
      rmSync(join(REGISTRY_DIR, f), { force: true });
    }
  }
  return out;
}

export async function killRecorded(rec: ServiceRecord, graceMs = 5_000): Promise<void> {
  if (isAlive(rec.pid) && cmdlineMatches(rec.pid, rec.binary)) {
    try {
      process.kill(rec.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    const deadline = Date.now() + graceMs;
    while (isAlive(rec.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (isAlive(rec.pid) && cmdlineMatches(rec.pid, rec.binary)) process.kill(rec.pid, 'SIGKILL');
  }
  rmSync(recordPath(rec.pid), { force: true });
}

/** Kills services whose owner is dead (a crashed or SIGKILLed run) and forgets dead services. */
export async function sweepStale(): Promise<ServiceRecord[]> {
  const swept: ServiceRecord[] = [];
  for (const rec of listRecords()) {
    if (!isAlive(rec.pid)) {
      rmSync(recordPath(rec.pid), { force: true });
    } else if (rec.ownerPid !== 0 && !isAlive(rec.ownerPid)) {
      await killRecorded(rec);
      swept.push(rec);
    }
  }
  return swept;
}

export interface SpawnOptions {
  name: string;
  binary: string;
  args: string[];
  dataDir: string;
  logFile: string;
  ownerPid: number;
  env?: NodeJS.ProcessEnv;
}

export function spawnService(opts: SpawnOptions): RunningService {
  mkdirSync(REGISTRY_DIR, { recursive: true });
  const logFd = openSync(opts.logFile, 'a');
  const child = spawn(opts.binary, opts.args, {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, ...opts.env },
  });
  closeSync(logFd);
  if (!child.pid) throw new Error(`could not start ${opts.binary}`);
  const pid = child.pid;
  child.unref();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const rec: ServiceRecord = {
    name: opts.name,
    pid,
    ownerPid: opts.ownerPid,
    binary: opts.binary,
    startedAtMs: Date.now(),
    dataDir: opts.dataDir,
  };
  writeFileSync(recordPath(pid), JSON.stringify(rec));
  if (opts.ownerPid !== 0) startReaper(opts.ownerPid, pid);
  return {
    ...rec,
    exited,
    stop: () => killRecorded(rec),
  };
}

/** A detached shell that outlives a SIGKILLed owner and then stops the service. */
function startReaper(ownerPid: number, servicePid: number): void {
  const script =
    `while kill -0 ${ownerPid} 2>/dev/null && kill -0 ${servicePid} 2>/dev/null; do sleep 0.3; done; ` +
    `kill -TERM ${servicePid} 2>/dev/null; i=0; while kill -0 ${servicePid} 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; ` +
    `kill -KILL ${servicePid} 2>/dev/null; rm -f ${recordPath(servicePid)}`;
  const reaper = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' });
  reaper.unref();
}
