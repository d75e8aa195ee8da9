import { mkdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort, startOnFreePorts, waitFor } from './free-port.ts';
import { isAlive, spawnService, type RunningService } from './processes.ts';
import { which } from './debian-packages.ts';

export interface RedisInstance {
  url: string;
  port: number;
  service: RunningService;
}

/** Sends one inline command and returns the first reply line. */
export function redisCommand(port: number, command: string, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('redis timeout'));
    }, timeoutMs);
    sock.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.once('data', (d) => {
      clearTimeout(timer);
      sock.end();
      resolve(d.toString().split('\r\n')[0]!);
    });
    sock.write(command + '\r\n');
  });
}

/**
 * Starts a private redis-server. `persistent` (used by `up`) turns on the append-only file so that
 * queued emails survive a restart; BullMQ needs `noeviction` either way.
 */
export async function startRedis(
  dir: string,
  ownerPid: number,
  persistent: boolean,
  fixedPort?: number,
): Promise<RedisInstance> {
  const binary = which('redis-server');
  if (!binary) throw new Error('redis-server not found');
  mkdirSync(dir, { recursive: true });
  const readLog = () => {
    try {
      return readFileSync(join(dir, 'redis.log'), 'utf8');
    } catch {
      return '';
    }
  };
  return startOnFreePorts(
    () => startOnce(binary, dir, ownerPid, persistent, fixedPort),
    readLog,
    fixedPort !== undefined,
  );
}

async function startOnce(
  binary: string,
  dir: string,
  ownerPid: number,
  persistent: boolean,
  fixedPort?: number,
): Promise<RedisInstance> {
  // A fixed port restarts an instance where its clients expect it (fault tests).
  const port = fixedPort ?? (await freePort());
  const service = spawnService({
    name: 'redis-server',
    binary,
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--daemonize',
      'no',
      '--save',
      '',
      '--appendonly',
      persistent ? 'yes' : 'no',
      '--appendfsync',
      'everysec',
      '--maxmemory-policy',
      'noeviction',
      '--logfile',
      join(dir, 'redis.log'),
    ],
    dataDir: dir,
    logFile: join(dir, 'redis.stdout.log'),
    ownerPid,
  });
  await waitFor('redis-server', async () => {
    if (!isAlive(service.pid)) throw new Error(`redis-server exited; see ${join(dir, 'redis.log')}`);
    return (await redisCommand(port, 'PING')) === '+PONG';
  });
  return { url: `redis://127.0.0.1:${port}`, port, service };
}
