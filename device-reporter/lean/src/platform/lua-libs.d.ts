/** The parts of OpenWrt's luasocket, luaposix and lua-cjson packages the lean reporter uses. */

/** @noSelfInFile */

declare module 'socket' {
  export function gettime(this: void): number;
  export function sleep(this: void, seconds: number): void;
}

declare module 'posix.signal' {
  /** 0 on success; on failure nil, a message and errno. */
  export function kill(this: void, pid: number, sig?: number): LuaMultiReturn<[number | undefined, string?, number?]>;
}

declare module 'posix.unistd' {
  export function getpid(this: void): number;
}

declare module 'posix.fcntl' {
  export const O_RDONLY: number;
  export const O_WRONLY: number;
  export const O_CREAT: number;
  export const O_APPEND: number;
  export const O_TRUNC: number;
  export function open(
    this: void,
    path: string,
    oflags: number,
    mode?: number,
  ): LuaMultiReturn<[number | undefined, string?]>;
}

declare module 'posix.unistd' {
  export function write(this: void, fd: number, buf: string): LuaMultiReturn<[number | undefined, string?]>;
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
