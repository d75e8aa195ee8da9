import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureDebianPackages, RUN_PACKAGES, type DebianPackage } from './debian-packages.ts';
import { startInfluxd } from './influxd.ts';
import { startRedis } from './redis.ts';
import { isAlive, killRecorded, listRecords, sweepStale, type RunningService } from './processes.ts';

export interface StackOptions {
  /** Where the services keep their data; a fresh temporary directory when omitted. */
  dataDir?: string;
  /** `up`: Redis append-only file on, data kept across restarts. Tests: off. */
  persistent?: boolean;
  /** Process whose death stops the services; 0 = detached (for `wanwatch stack start`). Default: this process. */
  ownerPid?: number;
  packages?: DebianPackage[];
  log?: (line: string) => void;
}

export interface Stack {
  dataDir: string;
  /** `http://127.0.0.1:PORT/wanwatch` — the form of WANWATCH_INFLUX_URL. */
  influxUrl: string;
  influxBaseUrl: string;
  redisUrl: string;
  services: RunningService[];
  stop(): Promise<void>;
}

export interface StackState {
  influxUrl: string;
  redisUrl: string;
  pids: number[];
  startedAtMs: number;
}

const STATE_FILE = 'stack.json';
const TEMP_PREFIX = 'wanwatch-stack-';
/** A temporary stack folder untouched this long, with no live service in it, is a leftover. */
const TEMP_LEFTOVER_AGE_MS = 10 * 60_000;

/**
 * Removes temporary stack folders (tens of MB each) that stacks killed before their `stop` left
 * behind: no live registered service uses them and they are older than TEMP_LEFTOVER_AGE_MS (a stack
 * starting right now in another process is younger).
 */
function sweepTempDirs(nowMs = Date.now()): void {
  const inUse = listRecords()
    .filter((r) => isAlive(r.pid))
    .map((r) => resolve(r.dataDir));
  const root = tmpdir();
  let entries: string[];
  try {
    entries = readdirSync(root).filter((e) => e.startsWith(TEMP_PREFIX));
  } catch {
    return;
  }
  for (const e of entries) {
    const dir = join(root, e);
    if (inUse.some((d) => d === dir || d.startsWith(dir + '/'))) continue;
    try {
      if (nowMs - statSync(dir).mtimeMs > TEMP_LEFTOVER_AGE_MS) rmSync(dir, { recursive: true, force: true });
    } catch {
      // Gone already, or not ours to remove: leave it.
    }
  }
}

/** Starts a private influxd and redis-server (installing the Debian packages if needed). */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const log = opts.log ?? ((l: string) => console.error(l));
  ensureDebianPackages(opts.packages ?? RUN_PACKAGES, log);
  await sweepStale();
  sweepTempDirs();
  const temporary = opts.dataDir === undefined;
  const dataDir = resolve(opts.dataDir ?? mkdtempSync(join(tmpdir(), TEMP_PREFIX)));
  mkdirSync(dataDir, { recursive: true });
  const ownerPid = opts.ownerPid ?? process.pid;
  const [influx, redis] = await Promise.all([
    startInfluxd(join(dataDir, 'influxdb'), ownerPid),
    startRedis(join(dataDir, 'redis'), ownerPid, opts.persistent ?? false),
  ]);
  const services = [influx.service, redis.service];
  const state: StackState = {
    influxUrl: `${influx.url}/wanwatch`,
    redisUrl: redis.url,
    pids: services.map((s) => s.pid),
    startedAtMs: Date.now(),
  };
  writeFileSync(join(dataDir, STATE_FILE), JSON.stringify(state, null, 2));
  let stopped = false;
  return {
    dataDir,
    influxUrl: state.influxUrl,
    influxBaseUrl: influx.url,
    redisUrl: redis.url,
    services,
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(services.map((s) => s.stop()));
      // A temporary stack's data is of no further use; a named folder (`wanwatch up`) keeps it.
      rmSync(temporary ? dataDir : join(dataDir, STATE_FILE), { recursive: true, force: true });
    },
  };
}

export function readStackState(dataDir: string): StackState | undefined {
  const f = join(resolve(dataDir), STATE_FILE);
  if (!existsSync(f)) return undefined;
  return JSON.parse(readFileSync(f, 'utf8')) as StackState;
}

/** Stops the services a (possibly detached) stack in `dataDir` started. */
export async function stopStackIn(dataDir: string): Promise<number> {
  const state = readStackState(dataDir);
  if (!state) return 0;
  const recs = listRecords().filter((r) => state.pids.includes(r.pid));
  await Promise.all(recs.map((r) => killRecorded(r)));
  rmSync(join(resolve(dataDir), STATE_FILE), { force: true });
  return recs.length;
}

export function stackStatus(dataDir: string): { state?: StackState; alive: Array<{ pid: number; alive: boolean }> } {
  const state = readStackState(dataDir);
  return { state, alive: (state?.pids ?? []).map((pid) => ({ pid, alive: isAlive(pid) })) };
}

/**
 * Stops the stack when this process exits normally or on SIGINT/SIGTERM (the reaper covers SIGKILL).
 * Returns a function that removes the handlers.
 */
export function stopOnExit(stack: Stack, onSignal?: (signal: NodeJS.Signals) => void): () => void {
  const handler = (signal: NodeJS.Signals) => {
    void stack.stop().finally(() => {
      if (onSignal) onSignal(signal);
      else process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  };
  const onExit = () => {
    // Synchronous last resort: signal the services; the reaper finishes the job if they linger.
    for (const s of stack.services) if (isAlive(s.pid)) process.kill(s.pid, 'SIGTERM');
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  process.once('exit', onExit);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    process.off('exit', onExit);
  };
}
