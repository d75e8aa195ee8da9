import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { InfluxDB } from 'influx';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { M, QUEUES, RP } from '../store/index.ts';
import { ROLES } from './access-policy.ts';
import type { AuditLog, AuditRow } from './audit.ts';

/**
 * The audit log's way into InfluxDB: each row is a BullMQ job (QUEUES.audit), written by a worker
 * (worker roles). An InfluxDB outage therefore never holds up the write being audited, and no row
 * is dropped: the job is retried with exponential backoff from 2 s for about three days (17
 * attempts), then kept as failed in Redis and logged. A row that cannot even be queued (Redis down)
 * is logged at error level with its content, never silently lost.
 */
export const AUDIT_ATTEMPTS = 17;

const auditRowSchema = z.strictObject({
  atMs: z.number().int(),
  tokenId: z.string(),
  tokenName: z.string(),
  role: z.enum(ROLES),
  method: z.string(),
  route: z.string(),
  target: z.string(),
  status: z.number().int(),
});

/** The producer (API roles). `record` returns at once; queueing happens behind it. */
export function createAuditQueue(o: { connection: ConnectionOptions; prefix: string; logger: Logger }) {
  const queue = new Queue<AuditRow>(QUEUES.audit, {
    prefix: o.prefix,
    connection: o.connection,
    defaultJobOptions: {
      removeOnComplete: true,
      removeOnFail: { age: 30 * 24 * 3600 },
      attempts: AUDIT_ATTEMPTS,
      backoff: { type: 'exponential', delay: 2_000 },
    },
  });
  queue.on('error', () => {});
  const log: AuditLog & { add(row: AuditRow): Promise<void>; close(): Promise<void> } = {
    /** Queues a row and waits for Redis to have it (the CLI, which has no worker to hand it to). */
    async add(row) {
      await queue.add('audit', row);
    },
    record(row) {
      log.add(row).catch((err: unknown) => {
        o.logger.error({ audit: row, err: (err as Error).message }, 'audit row could not be queued (Redis down)');
      });
    },
    async close() {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        queue.close().catch(() => undefined),
        new Promise((resolve) => (timer = setTimeout(resolve, 2_000))),
      ]);
      clearTimeout(timer);
    },
  };
  return log;
}

let seq = Math.floor(Math.random() * 1_000_000);
/**
 * One point per row. The point's time is the request's millisecond plus a per-process counter in
 * the nanoseconds, so two writes in the same millisecond stay two rows (InfluxDB keeps one point
 * per series and time).
 */
export async function writeAuditRow(influx: InfluxDB, row: AuditRow): Promise<void> {
  seq = (seq + 1) % 1_000_000;
  await influx.writePoints(
    [
      {
        measurement: M.audit,
        tags: { role: row.role, method: row.method },
        fields: {
          tokenId: row.tokenId,
          tokenName: row.tokenName,
          route: row.route,
          target: row.target,
          status: row.status,
        },
        timestamp: String(BigInt(row.atMs) * 1_000_000n + BigInt(seq)),
      },
    ],
    { retentionPolicy: RP.audit, precision: 'n' },
  );
}

/** The worker (worker roles): writes each queued row; a failed write is retried by BullMQ. */
export function startAuditWorker(o: { connection: Redis; prefix: string; influx: InfluxDB; logger: Logger }) {
  const worker = new Worker<AuditRow>(
    QUEUES.audit,
    async (job) => {
      await writeAuditRow(o.influx, auditRowSchema.parse(job.data));
    },
    { prefix: o.prefix, connection: o.connection, concurrency: 4 },
  );
  worker.on('error', () => {});
  worker.on('failed', (job, err) => {
    if (job && job.attemptsMade >= AUDIT_ATTEMPTS)
      o.logger.error({ audit: job.data, err: err.message }, 'audit row not written to InfluxDB after every retry');
  });
  return {
    async close() {
      await worker.close();
      await o.connection.quit().catch(() => o.connection.disconnect());
    },
  };
}

export interface AuditQuery {
  fromMs: number;
  toMs: number;
  limit: number;
}

/** Rows in [fromMs, toMs], newest first. */
export async function readAudit(influx: InfluxDB, q: AuditQuery): Promise<AuditRow[]> {
  const rows = (await influx.query(
    `SELECT * FROM "${RP.audit}"."${M.audit}" WHERE time >= ${q.fromMs}ms AND time <= ${q.toMs}ms ORDER BY time DESC LIMIT ${q.limit}`,
  )) as unknown as Array<Record<string, unknown> & { time: Date }>;
  return rows.map((r) => ({
    atMs: r.time.getTime(),
    tokenId: String(r.tokenId),
    tokenName: String(r.tokenName),
    role: r.role as AuditRow['role'],
    method: String(r.method),
    route: String(r.route),
    target: String(r.target ?? ''),
    status: Number(r.status),
  }));
}
