/**
 * The lean build's process shell: stdout/stderr, environment, files, clock and the process table,
 * from plain Lua io/os plus luasocket and luaposix. Everything the shared core needs from the
 * outside world goes through these few functions.
 */
import * as socket from 'socket';
import * as signal from 'posix.signal';
import * as stdlib from 'posix.stdlib';

export function writeOut(text: string): void {
  io.stdout.write(text);
}

export function writeErr(text: string): void {
  io.stderr.write(text);
}

export function getEnv(name: string): string | undefined {
  return os.getenv(name);
}

/** The whole file, or undefined when it cannot be opened (missing, unreadable). */
export function readTextFile(path: string): string | undefined {
  const [f] = io.open(path, 'rb');
  if (f === undefined) return undefined;
  const text = f.read('*a');
  f.close();
  return text;
}

export function fileExists(path: string): boolean {
  const [f] = io.open(path, 'rb');
  if (f === undefined) return false;
  f.close();
  return true;
}

/** Wall clock in milliseconds (luasocket's gettimeofday). */
export function nowMs(): number {
  return Math.floor(socket.gettime() * 1000);
}

const EPERM = 1;

/** Signal 0: does a process with this id exist (EPERM: it does, owned by someone else)? */
export function pidAlive(pid: number): boolean {
  const [ok, , errno] = signal.kill(pid, 0);
  return ok === 0 || errno === EPERM;
}

/**
 * Whether `ping` on PATH is BusyBox's applet (as on OpenWrt without iputils-ping), which takes no
 * `-n`: the same check as the Node build's prober (exec-ping-prober.ts).
 */
export function pingIsBusybox(): boolean {
  for (const dir of (getEnv('PATH') ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    if (dir === '' || !fileExists(`${dir}/ping`)) continue;
    const real = stdlib.realpath(`${dir}/ping`);
    return real !== undefined && real.endsWith('/busybox');
  }
  return false;
}
