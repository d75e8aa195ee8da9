/**
 * Child processes (`ping`, `ip`) for the event loop: fork + exec with stdout and stderr on one pipe,
 * read without blocking through poll(2); a child past its deadline is killed. No shell involved,
 * so interface names and addresses are arguments, never parsed as commands.
 */
import * as poll from 'posix.poll';
import * as signal from 'posix.signal';
import * as unistd from 'posix.unistd';
import * as wait from 'posix.sys.wait';

export interface ChildResult {
  /** Exit code, or undefined when killed. */
  code: number | undefined;
  output: string;
}

export interface Child {
  pid: number;
  fd: number;
  output: string[];
  deadlineMs: number;
  done: (this: void, r: ChildResult) => void;
  /**
   * For a job that ends before its output does (a shell runner's command, shell-runners.ts): its
   * result once what was read completes it, else undefined. Without it a child ends at end of output.
   */
  complete?: (this: void, output: string[]) => ChildResult | undefined;
  /** Kills and reaps what runs the job (default: the child's pid, its fd closed, waited for). */
  end?: (this: void, killed: boolean) => void;
}

/** A pipe and a fork: the child writes to `w`, the parent reads `r`; undefined when fork failed. */
export function forkWithPipe(): { pid: number; r: number; w: number } | undefined {
  const [r, w] = unistd.pipe();
  const pid = unistd.fork();
  if (pid === undefined) {
    unistd.close(r);
    unistd.close(w);
    return undefined;
  }
  return { pid, r, w };
}

export function spawnChild(
  argv: readonly string[],
  deadlineMs: number,
  done: (this: void, r: ChildResult) => void,
): Child | undefined {
  const forked = forkWithPipe();
  if (forked === undefined) return undefined;
  const { pid, r, w } = forked;
  if (pid === 0) {
    unistd.dup2(w, 1);
    unistd.dup2(w, 2);
    unistd.close(r);
    const args: Record<number, string> = {};
    for (let i = 1; i < argv.length; i++) args[i] = argv[i]!;
    unistd.execp(argv[0]!, args);
    unistd._exit(127);
  }
  unistd.close(w);
  return { pid, fd: r, output: [], deadlineMs, done };
}

/** Reads what the children wrote, for up to `timeoutMs`; finishes those at end of output or past their deadline. */
export function pollChildren(children: Map<number, Child>, timeoutMs: number, nowMs: () => number): void {
  if (children.size === 0) return;
  const fds = new LuaTable<number, poll.PollFd>();
  for (const c of children.values()) fds.set(c.fd, { events: { IN: true } });
  poll.poll(fds, Math.max(0, Math.floor(timeoutMs)));
  for (const c of [...children.values()]) {
    const rev = fds.get(c.fd)?.revents;
    if (rev?.IN === true || rev?.HUP === true || rev?.ERR === true) {
      const data = unistd.read(c.fd, 4096);
      if (data !== undefined && data !== '') {
        c.output.push(data);
        const r = c.complete?.(c.output);
        if (r !== undefined) {
          children.delete(c.fd);
          c.done(r);
        }
        continue;
      }
      finish(children, c, false);
    } else if (nowMs() >= c.deadlineMs) finish(children, c, true);
  }
}

/** Ends a child at once (a stopping reporter): killed, reaped, `done` told. */
export function killChild(children: Map<number, Child>, c: Child): void {
  finish(children, c, true);
}

function finish(children: Map<number, Child>, c: Child, kill: boolean): void {
  if (c.end !== undefined) {
    c.end(kill);
    children.delete(c.fd);
    c.done({ code: undefined, output: c.output.join('') });
    return;
  }
  if (kill) signal.kill(c.pid, signal.SIGKILL);
  unistd.close(c.fd);
  const [, how, status] = wait.wait(c.pid);
  children.delete(c.fd);
  c.done({ code: how === 'exited' ? status : undefined, output: c.output.join('') });
}

/** Runs a short command to completion (blocking; for `ip addr` at route refresh). */
export function runSync(argv: readonly string[], timeoutMs: number, nowMs: () => number): ChildResult {
  let result: ChildResult = { code: undefined, output: '' };
  const children = new Map<number, Child>();
  const c = spawnChild(argv, nowMs() + timeoutMs, (r) => (result = r));
  if (c === undefined) return result;
  children.set(c.fd, c);
  while (children.size > 0) pollChildren(children, 100, nowMs);
  return result;
}
