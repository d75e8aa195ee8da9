/** The parts of OpenWrt's luasocket and luaposix packages the lean reporter uses. */

/** @noSelfInFile */

declare module 'socket' {
  export function gettime(this: void): number;
  export function sleep(this: void, seconds: number): void;
  export interface TcpSocket {
    bind(address: string, port: number): LuaMultiReturn<[number | undefined, string?]>;
    settimeout(seconds: number): void;
    connect(address: string, port: number): LuaMultiReturn<[number | undefined, string?]>;
    send(data: string): LuaMultiReturn<[number | undefined, string?, number?]>;
    receive(pattern: string | number): LuaMultiReturn<[string | undefined, string?, string?]>;
    close(): void;
  }
  export function tcp(this: void): TcpSocket;
  export const dns: { toip(this: void, host: string): LuaMultiReturn<[string | undefined, unknown]> };
}

declare module 'posix.signal' {
  export const SIGTERM: number;
  export const SIGINT: number;
  export const SIGHUP: number;
  export const SIGKILL: number;
  export const SIGPIPE: number;
  export const SIG_IGN: unknown;
  export const SIG_DFL: unknown;
  export function signal(this: void, sig: number, handler: ((this: void, sig: number) => void) | unknown): void;
  /** 0 on success; on failure nil, a message and errno. */
  export function kill(this: void, pid: number, sig?: number): LuaMultiReturn<[number | undefined, string?, number?]>;
}

declare module 'posix.unistd' {
  export function getpid(this: void): number;
  export function fork(this: void): number | undefined;
  export function pipe(this: void): LuaMultiReturn<[number, number]>;
  export function dup2(this: void, fd: number, newfd: number): number | undefined;
  export function execp(this: void, path: string, argv: Record<number, string>): LuaMultiReturn<[undefined, string]>;
  export function _exit(this: void, status: number): never;
  export function read(this: void, fd: number, count: number): string | undefined;
  export function write(this: void, fd: number, buf: string): LuaMultiReturn<[number | undefined, string?]>;
}

declare module 'posix.poll' {
  export interface PollFd {
    events: { IN?: boolean };
    revents?: { IN?: boolean; HUP?: boolean; ERR?: boolean; NVAL?: boolean };
  }
  export function poll(this: void, fds: LuaTable<number, PollFd>, timeoutMs: number): number | undefined;
}

declare module 'posix.sys.wait' {
  export const WNOHANG: number;
  export function wait(
    this: void,
    pid: number,
    options?: number,
  ): LuaMultiReturn<[number | undefined, string?, number?]>;
}

declare module 'posix.fcntl' {
  export const O_RDONLY: number;
  export const O_WRONLY: number;
  export const O_CREAT: number;
  export const O_APPEND: number;
  export const O_TRUNC: number;
  export const F_SETFD: number;
  export const FD_CLOEXEC: number;
  export function fcntl(this: void, fd: number, cmd: number, arg?: number): number | undefined;
  export function open(
    this: void,
    path: string,
    oflags: number,
    mode?: number,
  ): LuaMultiReturn<[number | undefined, string?]>;
}

declare module 'posix.unistd' {
  /** `setpid('p', 0, 0)`: a process group of its own. */
  export function setpid(this: void, what: 'p', id: number, gid: number): number | undefined;
  export function fsync(this: void, fd: number): number | undefined;
  export function close(this: void, fd: number): number | undefined;
  export function unlink(this: void, path: string): number | undefined;
}

declare module 'posix.sys.stat' {
  export function mkdir(
    this: void,
    path: string,
    mode?: number,
  ): LuaMultiReturn<[number | undefined, string?, number?]>;
  export function stat(this: void, path: string): { st_size: number; st_mode: number } | undefined;
}

declare module 'posix.dirent' {
  export function dir(this: void, path: string): string[];
}

/** Named in shared core types (tracker/prober.ts); the lean build never creates one. */
interface AbortSignal {
  readonly aborted: boolean;
}

declare module 'posix.stdlib' {
  export function realpath(this: void, path: string): string | undefined;
}
