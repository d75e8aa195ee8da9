import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';

/** A Debian package and the file that proves it is installed (a command on PATH, or an absolute path). */
export interface DebianPackage {
  name: string;
  provides: string;
}

export const PKG = {
  influxdb: { name: 'influxdb', provides: 'influxd' },
  redis: { name: 'redis-server', provides: 'redis-server' },
  ping: { name: 'iputils-ping', provides: 'ping' },
  iproute2: { name: 'iproute2', provides: 'ip' },
  nftables: { name: 'nftables', provides: 'nft' },
  chromium: { name: 'chromium', provides: 'chromium' },
  // The lean (Lua) reporter build and what it needs on a router: luasocket, luaposix; what it
  // uses when installed: bit32 (spool checksums), zlib (gzip, checksums), luasec (https).
  lua: { name: 'lua5.1', provides: 'lua5.1' },
  luaSocket: { name: 'lua-socket', provides: '/usr/share/lua/5.1/socket.lua' },
  luaPosix: { name: 'lua-posix', provides: '/usr/share/lua/5.1/posix/compat.lua' },
  luaBit32: { name: 'lua-bit32', provides: '/usr/share/doc/lua-bit32' },
  luaZlib: { name: 'lua-zlib', provides: '/usr/share/doc/lua-zlib' },
  luaSec: { name: 'lua-sec', provides: '/usr/share/lua/5.1/ssl.lua' },
} satisfies Record<string, DebianPackage>;

/** What `wanwatch up` needs. */
export const RUN_PACKAGES: DebianPackage[] = [PKG.influxdb, PKG.redis, PKG.ping];
/** What the test suite needs: the services, plus network namespaces, nftables, a headless browser and Lua. */
export const TEST_PACKAGES: DebianPackage[] = [
  ...RUN_PACKAGES,
  PKG.iproute2,
  PKG.nftables,
  PKG.chromium,
  PKG.lua,
  PKG.luaSocket,
  PKG.luaPosix,
  PKG.luaBit32,
  PKG.luaZlib,
  PKG.luaSec,
];

const installed = (p: DebianPackage): boolean =>
  p.provides.startsWith('/') ? existsSync(p.provides) : which(p.provides) !== undefined;

const SEARCH_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function which(command: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), ...SEARCH_PATH].filter(Boolean);
  for (const dir of dirs) {
    const p = `${dir}/${command}`;
    if (existsSync(p)) return p;
  }
  return undefined;
}

export class MissingPackagesError extends Error {
  constructor(
    readonly packages: string[],
    readonly command: string,
  ) {
    super(`missing Debian packages: ${packages.join(' ')}. Install them with:\n  ${command}`);
    this.name = 'MissingPackagesError';
  }
}

export function installCommand(names: string[]): string {
  return `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${names.join(' ')}`;
}

/**
 * Installs the packages whose binaries are missing, with apt-get, when running as root; otherwise
 * throws with the exact command to run. Services that the packages would start by themselves are
 * kept from starting (policy-rc.d), because wanwatch runs its own private instances.
 */
export function ensureDebianPackages(wanted: DebianPackage[], log: (line: string) => void = console.error): void {
  const missing = wanted.filter((p) => !installed(p)).map((p) => p.name);
  if (missing.length === 0) return;
  const command = installCommand(missing);
  if (process.getuid?.() !== 0 || !which('apt-get')) throw new MissingPackagesError(missing, command);
  log(`wanwatch: installing Debian packages: ${missing.join(' ')}`);
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy)
    writeFileSync(
      policy,
      '#!/bin/sh\n# written by wanwatch while installing packages: do not start services\nexit 101\n',
      { mode: 0o755 },
    );
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (update.status !== 0) throw new Error(`apt-get update failed (exit ${update.status})`);
    execFileSync('apt-get', ['install', '-y', '-qq', ...missing], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env,
    });
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
  const still = wanted.filter((p) => !installed(p)).map((p) => p.name);
  if (still.length > 0) throw new MissingPackagesError(still, installCommand(still));
}
