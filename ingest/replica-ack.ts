import type { Cluster } from 'ioredis';

/**
 * Redis replicates asynchronously: a write its master acknowledged can still be missing on the
 * replica that a failover promotes a moment later. A report answered 200 whose alerting job was
 * lost that way is never retried by the reporter, so its incident is never emailed. On a Redis
 * Cluster the job add therefore counts as done only once a replica holds it (`WAIT 1`).
 */
export class ReplicaNotAckedError extends Error {
  override readonly name = 'ReplicaNotAckedError';
}

/** Runs a write and resolves once it is on a replica too; throws ReplicaNotAckedError when not. */
export type ReplicaAck = <T>(write: () => Promise<T>) => Promise<T>;

/**
 * `ReplicaAck` for the writes of one hash tag on a Redis Cluster (`slotKey`: any key carrying the
 * tag). `WAIT` counts the writes sent before it on the same connection, so it goes to the master
 * whose connection carried the write: the master serving the slot before and after the write. When
 * the slot changed masters in between (a failover under way), the write cannot be vouched for.
 *
 * A slot whose map lists no replica (none configured; or none live and holding data, which is what
 * CLUSTER SLOTS lists, e.g. while a failed master is away after its replica took over) has none that
 * a failover could promote, so there is nothing to wait for: the write counts as done.
 *
 * | master of the slot before / after | replica in the slot map | replicas that acked within timeoutMs | result               |
 * |-----------------------------------|-------------------------|--------------------------------------|----------------------|
 * | different (or unknown)            | any                     | —                                    | ReplicaNotAckedError |
 * | same                              | none                    | —                                    | the write's result   |
 * | same                              | listed                  | 0 (lagging, unreachable)             | ReplicaNotAckedError |
 * | same                              | listed                  | ≥ 1                                  | the write's result   |
 */
export function clusterReplicaAck(cluster: Cluster, slotKey: string, timeoutMs: number): ReplicaAck {
  const slot = keySlot(slotKey);
  // ioredis's map of the slot (CLUSTER SLOTS, refreshed every few seconds): the master, then replicas.
  const servers = (): string[] => cluster.slots[slot] ?? [];
  return async (write) => {
    // Before its first connection the client has no map yet; the write then waits for one.
    const before = servers()[0];
    const result = await write();
    const [key, ...replicaKeys] = servers();
    const node =
      key !== undefined && (before === undefined || key === before)
        ? cluster.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === key)
        : undefined;
    if (!node) throw new ReplicaNotAckedError('the slot changed masters during the write (failover under way)');
    if (replicaKeys.length === 0) return result;
    // Bounded here too: on a master that has just died the WAIT may never be answered.
    let timer: NodeJS.Timeout | undefined;
    const replicas = await Promise.race([
      node.wait(1, timeoutMs),
      new Promise<number>((resolve) => (timer = setTimeout(() => resolve(0), timeoutMs + 2_000))),
    ]).finally(() => clearTimeout(timer));
    if (replicas < 1) throw new ReplicaNotAckedError(`no replica confirmed the write within ${timeoutMs} ms`);
    return result;
  };
}

/** A single Redis has no replica to wait for (its durability is AOF's: docs/deploy.md). */
export const noReplicaAck: ReplicaAck = (write) => write();

/** Redis Cluster's slot of a key: CRC16 (XMODEM) of its hash tag (or of the whole key) mod 16384. */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of Buffer.from(hashed, 'utf8')) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16_384;
}
