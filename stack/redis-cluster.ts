import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { which } from './debian-packages.ts';
import { freePort, waitFor } from './free-port.ts';
import { isAlive, spawnService, type RunningService } from './processes.ts';

const run = promisify(execFile);

export interface ClusterNode {
  port: number;
  service: RunningService;
}

export interface RedisCluster {
  /** `redis://127.0.0.1:P1,127.0.0.1:P2,…`: every node as a seed (the form of WANWATCH_REDIS_URL). */
  url: string;
  nodes: ClusterNode[];
  /** Ports of the nodes that are masters now (a failover changes them). */
  masters(): Promise<number[]>;
  /** Kills a node with SIGKILL (a crashed machine), without waiting for anything. */
  kill(port: number): void;
  /** Waits until every slot is served again (after a failover). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** `cluster-node-timeout`: how long a master may be silent before its replica takes over. */
export const CLUSTER_NODE_TIMEOUT_MS = 2_000;

/** One `redis-cli` command against a node; stdout. */
export async function clusterCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });
  return stdout;
}

/**
 * Starts a private Redis Cluster from Debian's redis-server on loopback: `masters` masters with one
 * replica each (`--cluster-replicas 1`), `cluster-node-timeout` CLUSTER_NODE_TIMEOUT_MS so a killed
 * master fails over within seconds. Resolves once every slot is served and every replica is in sync.
 * The nodes die with `ownerPid` (the reaper), or with `stop()`.
 */
export async function startRedisCluster(opts: { masters?: number; ownerPid?: number } = {}): Promise<RedisCluster> {
  const binary = which('redis-server');
  if (!binary || !which('redis-cli')) throw new Error('redis-server / redis-cli not found');
  const count = (opts.masters ?? 3) * 2;
  const dir = mkdtempSync(join(tmpdir(), 'wanwatch-redis-cluster-'));
  const nodes: ClusterNode[] = [];
  try {
    for (let i = 0; i < count; i++)
      nodes.push(await startNode(binary, join(dir, `n${i}`), opts.ownerPid ?? process.pid));
    const addrs = nodes.map((n) => `127.0.0.1:${n.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addrs, '--cluster-replicas', '1', '--cluster-yes'], {
      timeout: 60_000,
    });
  } catch (err) {
    await Promise.all(nodes.map((n) => n.service.stop()));
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const alive = () => nodes.filter((n) => isAlive(n.service.pid));
  const cluster: RedisCluster = {
    url: `redis://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`,
    nodes,
    async masters() {
      const out = await clusterCli(alive()[0]!.port, 'cluster', 'nodes');
      return out
        .split('\n')
        .map((l) => l.split(' '))
        .filter((f) => {
          const flags = (f[2] ?? '').split(',');
          return flags.includes('master') && !flags.some((x) => x.startsWith('fail'));
        })
        .map((f) => Number(/:(\d+)@/.exec(f[1]!)![1]));
    },
    kill(port) {
      const n = nodes.find((x) => x.port === port);
      if (n && isAlive(n.service.pid)) process.kill(n.service.pid, 'SIGKILL');
    },
    waitHealthy: (timeoutMs = 30_000) => waitHealthy(alive(), opts.masters ?? 3, timeoutMs),
    async stop() {
      await Promise.all(nodes.map((n) => n.service.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await cluster.waitHealthy();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** Every live node says the cluster is ok with all slots served, and each master has a synced replica. */
async function waitHealthy(nodes: ClusterNode[], masters: number, timeoutMs: number): Promise<void> {
  await waitFor(
    'redis cluster',
    async () => {
      for (const n of nodes) {
        const info = await clusterCli(n.port, 'cluster', 'info');
        if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info)) return false;
      }
      const synced = await Promise.all(nodes.map((n) => clusterCli(n.port, 'info', 'replication')));
      const replicasUp = synced.filter((s) => /role:slave/.test(s) && /master_link_status:up/.test(s)).length;
      return replicasUp >= Math.min(masters, nodes.length - masters);
    },
    timeoutMs,
    200,
  );
}

async function startNode(binary: string, dir: string, ownerPid: number): Promise<ClusterNode> {
  mkdirSync(dir, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const busPort = await freePort();
    const service = spawnService({
      name: 'redis-server',
      binary,
      args: [
        '--port',
        String(port),
        '--cluster-port',
        String(busPort),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--daemonize',
        'no',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, 'nodes.conf'),
        '--cluster-node-timeout',
        String(CLUSTER_NODE_TIMEOUT_MS),
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        'noeviction',
        '--logfile',
        join(dir, 'redis.log'),
      ],
      dataDir: dir,
      logFile: join(dir, 'redis.stdout.log'),
      ownerPid,
    });
    try {
      await waitFor('redis-server (cluster node)', async () => {
        if (!isAlive(service.pid)) throw new Error(`redis-server exited; see ${join(dir, 'redis.log')}`);
        return (await clusterCli(port, 'ping')).trim() === 'PONG';
      });
      return { port, service };
    } catch (err) {
      await service.stop();
      // A port the kernel called free may be taken before redis binds it: try new ones.
      if (attempt >= 3) throw err;
    }
  }
}
