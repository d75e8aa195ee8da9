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
 * Starts a private influxd 1.x with its own config, dirs and ports. Both the HTTP port and the
 * top-level RPC bind-address must be unique, or a second instance dies while /ping is answered by
 * the first (docs/service-notes.md, "Running a private influxd") — so readiness also checks that our pid is alive.
 */
export async function startInfluxd(
  dir: string,
  ownerPid: number,
  fixedPorts?: { httpPort: number; rpcPort: number },
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
    () => startOnce(binary, dir, ownerPid, logFile, fixedPorts),
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
      '[http]',
      `  bind-address = "127.0.0.1:${httpPort}"`,
      '  log-enabled = false',
      '  max-body-size = 50000000',
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
  return { url, httpPort, rpcPort, service };
}
