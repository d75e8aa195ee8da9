/**
 * Long-lived `sh` processes that run one command per request line and answer with its output and
 * exit code: the Node build's ShellRunnerPool (probers/shell-runner.ts), same script and marker.
 * Forking `ping` from the reporter would copy the Lua process's page tables on every probe (and
 * fault its pages back in afterwards); a small shell forks cheaply, as mwan3track's own loop does.
 * A runner runs one command at a time; the pool starts one more when all are busy (one per WAN
 * probing at once). A command past its deadline is killed with its shell (own process group).
 */
import * as fcntl from 'posix.fcntl';
import * as signal from 'posix.signal';
import * as unistd from 'posix.unistd';
import * as wait from 'posix.sys.wait';
import type { Child, ChildResult } from './children.ts';

const END = '__wanwatch_end__';
const SCRIPT = `exec 2>&1; while IFS= read -r line; do eval "$line" </dev/null; echo "${END} $?"; done`;

export function shellQuote(arg: string): string {
  const [quoted] = string.gsub(arg, "'", "'\\\\''");
  return `'${quoted}'`;
}

interface Runner {
  pid: number;
  /** The shell's stdin (commands) and its stdout+stderr (output, end markers). */
  toShell: number;
  fromShell: number;
}

export interface ShellPool {
  /** Starts `argv` on an idle runner; the returned job goes into the event loop's children. */
  run(argv: readonly string[], deadlineMs: number, done: (this: void, r: ChildResult) => void): Child | undefined;
  /** Kills every runner (the reporter stops). */
  close(): void;
}

function closeOnExec(fd: number): void {
  fcntl.fcntl(fd, fcntl.F_SETFD, fcntl.FD_CLOEXEC);
}

function startRunner(): Runner | undefined {
  const [inR, inW] = unistd.pipe();
  const [outR, outW] = unistd.pipe();
  const pid = unistd.fork();
  if (pid === undefined) {
    for (const fd of [inR, inW, outR, outW]) unistd.close(fd);
    return undefined;
  }
  if (pid === 0) {
    unistd.setpid('p', 0, 0);
    unistd.dup2(inR, 0);
    unistd.dup2(outW, 1);
    unistd.dup2(outW, 2);
    for (const fd of [inR, inW, outR, outW]) unistd.close(fd);
    unistd.execp('sh', { 1: '-c', 2: SCRIPT });
    unistd._exit(127);
  }
  unistd.close(inR);
  unistd.close(outW);
  closeOnExec(inW);
  closeOnExec(outR);
  return { pid, toShell: inW, fromShell: outR };
}

function stopRunner(r: Runner): void {
  signal.kill(-r.pid, signal.SIGKILL);
  unistd.close(r.toShell);
  unistd.close(r.fromShell);
  wait.wait(r.pid);
}

/** The command's result once the shell's end marker arrived. */
function resultOf(output: string[]): ChildResult | undefined {
  const last = output[output.length - 1] ?? '';
  if (last.indexOf('\n') < 0) return undefined;
  const text = output.join('');
  const [at, , code] = string.find(text, `${END} (%d+)\n$`);
  if (at === undefined) return undefined;
  return { code: tonumber(code), output: text.slice(0, at - 1) };
}

export function createShellPool(): ShellPool {
  const idle: Runner[] = [];
  const all = new Set<Runner>();

  function dispose(r: Runner): void {
    all.delete(r);
    stopRunner(r);
  }

  function submit(r: Runner, argv: readonly string[]): boolean {
    const line = `${argv.map((a) => shellQuote(a)).join(' ')}\n`;
    const [n] = unistd.write(r.toShell, line);
    return n === line.length;
  }

  return {
    run(argv, deadlineMs, done) {
      let r = idle.pop();
      if (r !== undefined && !submit(r, argv)) {
        dispose(r);
        r = undefined;
      }
      if (r === undefined) {
        r = startRunner();
        if (r === undefined) return undefined;
        all.add(r);
        if (!submit(r, argv)) {
          dispose(r);
          return undefined;
        }
      }
      const runner = r;
      return {
        pid: runner.pid,
        fd: runner.fromShell,
        output: [],
        deadlineMs,
        complete: (output) => {
          const res = resultOf(output);
          if (res !== undefined) idle.push(runner);
          return res;
        },
        // Killed at its deadline, or its shell died: the runner goes, a fresh one replaces it.
        end: () => dispose(runner),
        done: (res) => done(res),
      };
    },
    close() {
      for (const r of [...all]) dispose(r);
      idle.length = 0;
    },
  };
}

/**
 * A `spawn` for the trackers and the mwan3 source: the job runs on `pool` and goes into the event
 * loop's `children`; `jobPids` holds the jobs running now (killed at once when the reporter stops).
 */
export function spawnOnPool(
  pool: ShellPool,
  children: Map<number, Child>,
  jobPids: Set<number>,
): (this: void, argv: string[], deadlineMs: number, done: (this: void, r: ChildResult) => void) => boolean {
  return (argv, deadlineMs, done) => {
    const c = pool.run(argv, deadlineMs, (r) => {
      jobPids.delete(c?.pid ?? -1);
      done(r);
    });
    if (c !== undefined) {
      children.set(c.fd, c);
      jobPids.add(c.pid);
    }
    return c !== undefined;
  };
}
