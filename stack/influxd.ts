import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startOnFreePorts, waitFor } from './free-port.ts';
import { isAlive, spawnService, type RunningService } from './processes.ts';
import { which } from './debian-packages.ts';

export interface InfluxdInstance {
  url: string;
  httpPort: number;
  service: RunningService;
}

/**
 * `auth-enabled = true` with two users (tests of an InfluxDB wanwatch does not administer): an
 * admin, and a user with only WRITE and READ on `database` (created by the admin).
 */
export interface InfluxdAuth {
  admin: { username: string; password: string };
  user: { username: string; password: string };
  database: string;
}

/**
 * Starts a private influxd 1.x with its own config, dirs and ports. Both the HTTP port and the
 * top-level RPC bind-address must be unique, or a second instance dies while /ping is answered by
 * the first (docs/service-notes.md, "Running a private influxd") — so readiness also checks that our pid is alive.
 */
export async function startInfluxd(
  dir: string,
  ownerPid: number,
  fixedPorts?: { httpPort: number; rpcPort: number },
  opts: { auth?: InfluxdAuth; cacheSnapshotColdMs?: number } = {},
): Promise<InfluxdInstance & { rpcPort: number }> {
  const binary = which('influxd');
  if (!binary) throw new Error('influxd not found');
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, 'influxd.log');
  const readLog = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  return startOnFreePorts(
    () => startOnce(binary, dir, ownerPid, logFile, fixedPorts, opts),
    readLog,
    fixedPorts !== undefined,
  );
}

async function startOnce(
  binary: string,
  dir: string,
  ownerPid: number,
  logFile: string,
  fixedPorts?: { httpPort: number; rpcPort: number },
  { auth, cacheSnapshotColdMs }: { auth?: InfluxdAuth; cacheSnapshotColdMs?: number } = {},
): Promise<InfluxdInstance & { rpcPort: number }> {
  // Fixed ports restart an instance (same dir, same data) where its clients expect it (fault tests).
  const { httpPort, rpcPort } = fixedPorts ?? { httpPort: await freePort(), rpcPort: await freePort() };
  const conf = join(dir, 'influxd.conf');
  writeFileSync(
    conf,
    [
      'reporting-enabled = false',
      `bind-address = "127.0.0.1:${rpcPort}"`,
      '[meta]',
      `  dir = "${join(dir, 'meta')}"`,
      '[data]',
      `  dir = "${join(dir, 'data')}"`,
      `  wal-dir = "${join(dir, 'wal')}"`,
      '  query-log-enabled = false',
      // Sizing benches: the in-memory cache goes to compressed TSM files soon after writes stop.
      ...(cacheSnapshotColdMs ? [`  cache-snapshot-write-cold-duration = "${cacheSnapshotColdMs}ms"`] : []),
      '[http]',
      `  bind-address = "127.0.0.1:${httpPort}"`,
      '  log-enabled = false',
      '  max-body-size = 50000000',
      ...(auth ? ['  auth-enabled = true'] : []),
      '[monitor]',
      '  store-enabled = false',
      '[continuous_queries]',
      '  log-enabled = false',
      '[logging]',
      '  level = "warn"',
      '',
    ].join('\n'),
  );
  const service = spawnService({
    name: 'influxd',
    binary,
    args: ['run', '-config', conf],
    dataDir: dir,
    logFile,
    ownerPid,
    env: { INFLUXDB_CONFIG_PATH: conf },
  });
  const url = `http://127.0.0.1:${httpPort}`;
  await waitFor('influxd', async () => {
    if (!isAlive(service.pid)) throw new Error(`influxd exited; see ${logFile}`);
    const res = await fetch(`${url}/ping`);
    return res.status === 204 && res.headers.has('x-influxdb-version');
  });
  if (auth) await createUsers(url, auth);
  return { url, httpPort, rpcPort, service };
}

/**
 * With auth on and no user yet, influxd takes one unauthenticated `CREATE USER … WITH ALL
 * PRIVILEGES`; everything after runs as that admin. Skipped when the users exist (a restart).
 */
async function createUsers(url: string, auth: InfluxdAuth): Promise<void> {
  const basic = (as: { username: string; password: string }) =>
    `Basic ${Buffer.from(`${as.username}:${as.password}`).toString('base64')}`;
  const q = async (query: string, as?: { username: string; password: string }) => {
    const res = await fetch(`${url}/query`, {
      method: 'POST',
      body: new URLSearchParams({ q: query }),
      ...(as ? { headers: { authorization: basic(as) } } : {}),
    });
    const text = await res.text();
    if (!res.ok || /"error"/.test(text)) throw new Error(`influxd: ${query.split(' WITH')[0]}: ${res.status} ${text}`);
    return text;
  };
  const str = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const id = (s: string) => `"${s.replace(/"/g, '\\"')}"`;
  const probe = await fetch(`${url}/query?q=SHOW+USERS`, { headers: { authorization: basic(auth.admin) } });
  if (probe.ok && (await probe.text()).includes(auth.user.username)) return;
  await q(`CREATE USER ${id(auth.admin.username)} WITH PASSWORD ${str(auth.admin.password)} WITH ALL PRIVILEGES`);
  const a = auth.admin;
  await q(`CREATE DATABASE ${id(auth.database)}`, a);
  await q(`CREATE USER ${id(auth.user.username)} WITH PASSWORD ${str(auth.user.password)}`, a);
  // READ and WRITE on one database: influxd keeps one privilege per user and database, so it is `ALL`
  // (not admin: ALL PRIVILEGES without ON would be).
  await q(`GRANT ALL ON ${id(auth.database)} TO ${id(auth.user.username)}`, a);
}
