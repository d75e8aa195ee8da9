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
