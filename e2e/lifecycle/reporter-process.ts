/**
 * The real reporter bundle (`dist/wanwatch-reporter.mjs run`, as procd starts it on a router) inside
 * a lab's CE namespace, with its settings in a UCI file like /etc/config/wanwatch, and the test's
 * view of it: every run (start, end, how it ended), its JSON log lines, and the interface states it
 * writes to `<spool>/status.json`, polled while it runs. The runs also give the truth for uptime
 * reports: the windows in which no reporter was running.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND_ADDR, BACKEND_PORT } from '../../device-reporter/test/netns-backend.ts';
import type { NetnsLab } from '../../device-reporter/test/netns.ts';
import type { Window } from './timeline.ts';

export interface ReporterRun {
  n: number;
  pid: number;
  spawnedAtMs: number;
  /** The run's own `reporter started` log time (its trackers are running from then on). */
  startedAtMs?: number;
  bootId?: string;
  /** When the test sent the signal that ended it (SIGTERM or SIGKILL). */
  endSignal?: { signal: 'SIGTERM' | 'SIGKILL'; atMs: number };
  exitedAtMs?: number;
  exitCode?: number | null;
}

export interface StatusLine {
  t: number;
  run: number;
  states: Record<string, string>;
}

export interface LogLine {
  t: number;
  run: number;
  msg: string;
  line: string;
}

export interface BundleReporter {
  readonly runs: ReporterRun[];
  readonly statuses: StatusLine[];
  readonly logs: LogLine[];
  running(): boolean;
  /** Interface states of the running reporter ({} when none runs). */
  states(): Record<string, string>;
  /** Starts a run; resolves when it logged `reporter started` (bounded). */
  start(): Promise<ReporterRun>;
  /** procd's reload: SIGHUP. */
  reload(): void;
  /** A clean stop (SIGTERM: `stop` transitions, bounded flush); resolves when the process exited. */
  stop(): Promise<void>;
  /** A crash or power cut: SIGKILL, nothing written on the way out. */
  kill9(): Promise<void>;
  /** The record counters of the running reporter's status file (recorded, uploaded, pending, dropped), when it writes them. */
  counters(): Record<string, number> | undefined;
  /** What `wanwatch-reporter status --config <the UCI file>` prints (stdout and stderr), bounded. */
  statusCommand(): Promise<string>;
  /** Windows in [fromMs, toMs] with no reporter running: from the signal that ended a run to the next run's start. */
  downWindows(fromMs: number, toMs: number): Window[];
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 20_000;
/** SIGTERM: the reporter flushes for up to 5 s (flushTimeoutMs), then exits. */
const STOP_TIMEOUT_MS = 15_000;
const STATUS_POLL_MS = 100;

export function bundleReporter(o: {
  lab: NetnsLab;
  bundle: string;
  dir: string;
  deviceId: string;
  token: string;
}): BundleReporter {
  const uci = join(o.dir, 'wanwatch');
  writeFileSync(
    uci,
    [
      "config reporter 'main'",
      "\toption enabled '1'",
      `\toption server 'http://${BACKEND_ADDR}:${BACKEND_PORT}'`,
      `\toption device_id '${o.deviceId}'`,
      `\toption token '${o.token}'`,
      `\toption mwan3_config '${join(o.dir, 'mwan3')}'`,
      `\toption network_config '${join(o.dir, 'network')}'`,
      `\toption spool_dir '${join(o.dir, 'spool')}'`,
      // Short upload and policy intervals keep the drill short; the watchdog scales with them.
      "\toption upload_interval '1'",
      "\toption policy_interval '1'",
      "\toption source_rules '1'",
      "\toption log_level 'info'",
      '',
    ].join('\n'),
  );
  const runs: ReporterRun[] = [];
  const statuses: StatusLine[] = [];
  const logs: LogLine[] = [];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let poll: NodeJS.Timeout | undefined;
  let lastKey = '';
  let onStarted: (() => void) | undefined;
  let counters: Record<string, number> | undefined;
  const statusFile = join(o.dir, 'spool', 'status.json');

  const pollStatus = (run: ReporterRun) => {
    let text: string;
    try {
      text = readFileSync(statusFile, 'utf8');
    } catch {
      return;
    }
    try {
      const st = JSON.parse(text) as {
        timeMs?: number;
        ifaces?: Record<string, { state?: string }>;
        counters?: Record<string, number>;
      };
      // A file older than this run is the previous run's (a killed reporter leaves its last one).
      if ((st.timeMs ?? 0) < run.spawnedAtMs) return;
      counters = st.counters;
      const states = Object.fromEntries(Object.entries(st.ifaces ?? {}).map(([k, v]) => [k, String(v.state)]));
      // Fallback for the run's start when its log line is not recognised: its first status file.
      if (run.startedAtMs === undefined) {
        run.startedAtMs = st.timeMs;
        onStarted?.();
      }
      const key = JSON.stringify([run.n, states]);
      if (key !== lastKey) statuses.push({ t: Date.now(), run: run.n, states });
      lastKey = key;
    } catch {
      // Replaced atomically, so only a foreign file could be unreadable: skip this poll.
    }
  };

  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const current = () => runs[runs.length - 1];
  const waitExit = async (what: string) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(
        () => rej(new Error(`reporter did not exit within ${STOP_TIMEOUT_MS} ms after ${what}`)),
        STOP_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  const end = async (signal: 'SIGTERM' | 'SIGKILL') => {
    const run = current();
    if (!run || !running()) return;
    run.endSignal = { signal, atMs: Date.now() };
    child!.kill(signal);
    await waitExit(signal);
  };

  return {
    runs,
    statuses,
    logs,
    running,
    states() {
      if (!running()) return {};
      const last = statuses[statuses.length - 1];
      return last && last.run === current()?.n ? last.states : {};
    },
    async start() {
      if (running()) throw new Error('a reporter is already running');
      const run: ReporterRun = { n: runs.length + 1, pid: 0, spawnedAtMs: Date.now() };
      // `ip netns exec` execs the program, so the child's pid is the reporter's own: signals reach it.
      const c = spawn('ip', ['netns', 'exec', o.lab.ceNs, process.execPath, o.bundle, 'run', '--config', uci], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, WANWATCH_REPORTER_CONFIG: uci },
      });
      run.pid = c.pid ?? 0;
      runs.push(run);
      child = c;
      exited = new Promise<void>((resolve) =>
        c.once('exit', (code) => {
          run.exitedAtMs = Date.now();
          run.exitCode = code;
          clearInterval(poll);
          resolve();
        }),
      );
      let buf = '';
      c.stderr!.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          let j: { time?: number; msg?: string; bootId?: string } = {};
          try {
            j = JSON.parse(line) as typeof j;
          } catch {
            // Not a log line (a stack trace): keep it as it is.
          }
          logs.push({ t: j.time ?? Date.now(), run: run.n, msg: j.msg ?? line, line });
          if (j.msg === 'reporter started') {
            run.startedAtMs = j.time ?? Date.now();
            run.bootId = j.bootId;
            onStarted?.();
          }
        }
      });
      poll = setInterval(() => pollStatus(run), STATUS_POLL_MS);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`reporter run ${run.n} did not log "reporter started" within ${START_TIMEOUT_MS} ms`)),
          START_TIMEOUT_MS,
        );
        onStarted = () => {
          clearTimeout(timer);
          resolve();
        };
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`reporter run ${run.n} exited at start (code ${run.exitCode}): ${logs.at(-1)?.line}`));
        });
      });
      return run;
    },
    reload() {
      if (running()) child!.kill('SIGHUP');
    },
    counters: () => (running() ? counters : undefined),
    statusCommand: () =>
      new Promise<string>((resolve) => {
        execFile(
          process.execPath,
          [o.bundle, 'status', '--config', uci],
          { timeout: 10_000, env: { ...process.env, WANWATCH_REPORTER_CONFIG: uci } },
          (err, stdout, stderr) => {
            const exit = err ? ` (exit ${String((err as { code?: unknown }).code ?? err.message)})` : '';
            resolve(`${stdout}${stderr}`.trimEnd() + exit);
          },
        );
      }),
    stop: () => end('SIGTERM'),
    kill9: () => end('SIGKILL'),
    downWindows(fromMs, toMs) {
      const out: Window[] = [];
      for (const [i, run] of runs.entries()) {
        if (!run.endSignal) continue;
        const next = runs[i + 1];
        const startMs = Math.max(fromMs, run.endSignal.atMs);
        const endMs = Math.min(toMs, next?.startedAtMs ?? next?.spawnedAtMs ?? toMs);
        if (endMs > startMs) out.push({ startMs, endMs });
      }
      return out;
    },
    async close() {
      clearInterval(poll);
      if (running()) {
        child!.kill('SIGKILL');
        await exited;
      }
    },
  };
}
