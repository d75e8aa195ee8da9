import type { InfluxDB } from 'influx';
import { ProblemError } from '../../contract/index.ts';
import { RP } from '../../store/index.ts';

/** Sends line protocol (ns precision) to one retention policy of the database. Role interface for the writer. */
export interface LineSink {
  write(body: string, retentionPolicy: string): Promise<void>;
}

/** A write InfluxDB refused for its content (4xx: parse error, field type conflict), not for being down. */
export class InfluxRejectedError extends Error {
  override name = 'InfluxRejectedError';
}

interface PoolLike {
  discard(opts: {
    method: string;
    path: string;
    body: string | Buffer;
    query: Record<string, string | undefined>;
    auth?: string;
  }): Promise<void>;
}
interface InfluxInternals {
  _pool: PoolLike;
  _options: { database?: string; username?: string; password?: string };
}

/**
 * A LineSink over node-influx's own connection pool (host list, keep-alive, retries on network
 * errors and 5xx), sending our pre-serialized lines to `/write` as they are. node-influx has no
 * public raw-write call; its `writePoints` re-parses every point, which halves throughput.
 * Errors are classified here, once: a refusal of the content is InfluxRejectedError, anything else
 * influx_unavailable.
 */
export function influxLineSink(influx: InfluxDB, database?: string): LineSink {
  const internals = influx as unknown as InfluxInternals;
  const db = database ?? internals._options.database;
  if (!db) throw new Error('influxLineSink: the InfluxDB client has no database');
  const { username, password } = internals._options;
  const auth = typeof username === 'string' ? `${username}:${password ?? ''}` : undefined;
  return {
    async write(body, retentionPolicy) {
      try {
        await internals._pool.discard({
          method: 'POST',
          path: '/write',
          // Encoded once here: given a string, the pool encodes it twice (for Content-Length, then to send).
          body: Buffer.from(body, 'utf8'),
          query: { db, precision: 'n', rp: retentionPolicy },
          ...(auth ? { auth } : {}),
        });
      } catch (err) {
        const status = (err as { res?: { statusCode?: number } }).res?.statusCode;
        // 400 (parse error, type conflict, partial write), 413, 422: this body can never be stored.
        // 401/403/404 are the server's set-up (credentials, database), fixed by an operator: transient.
        if (status === 400 || status === 413 || status === 422) {
          throw new InfluxRejectedError((err as Error).message);
        }
        throw new ProblemError('influx_unavailable', `InfluxDB write failed: ${(err as Error).message}`);
      }
    },
  };
}

export interface PointWriterOptions {
  /** Flush when this many lines are pending. */
  maxBatchLines?: number;
  /** Flush at the latest this long after the first pending line. */
  maxDelayMs?: number;
  /** Writes in flight at once; further lines wait and join the next (bigger) batch. */
  maxInFlight?: number;
  onBatch?: (lines: number, durationMs: number, ok: boolean) => void;
}

export interface PointBatch {
  raw: string[];
  forever: string[];
}

/** Group commit: concurrent callers share InfluxDB writes; each `write` resolves once its own lines are stored. */
export interface PointWriter {
  write(batch: PointBatch): Promise<void>;
  /** Flushes what is pending and waits for every write in flight. */
  drain(): Promise<void>;
}

interface Pending {
  batch: PointBatch;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export function createPointWriter(sink: LineSink, opts: PointWriterOptions = {}): PointWriter {
  const maxBatchLines = opts.maxBatchLines ?? 5_000;
  const maxDelayMs = opts.maxDelayMs ?? 5;
  const maxInFlight = opts.maxInFlight ?? 8;
  let pending: Pending[] = [];
  let pendingLines = 0;
  let timer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();

  async function send(group: Pending[]): Promise<void> {
    const raw = group.flatMap((p) => p.batch.raw);
    const forever = group.flatMap((p) => p.batch.forever);
    const started = performance.now();
    try {
      await Promise.all([
        raw.length ? sink.write(raw.join('\n'), RP.raw) : undefined,
        forever.length ? sink.write(forever.join('\n'), RP.forever) : undefined,
      ]);
      opts.onBatch?.(raw.length + forever.length, performance.now() - started, true);
      for (const p of group) p.resolve();
    } catch (err) {
      opts.onBatch?.(raw.length + forever.length, performance.now() - started, false);
      // A refused group is retried request by request, so one bad request cannot fail its neighbours.
      if (err instanceof InfluxRejectedError && group.length > 1) {
        await Promise.all(group.map((p) => send([p])));
      } else if (err instanceof InfluxRejectedError) {
        // Only this request's data: a permanent 4xx for its report, never a 5xx retried for ever.
        group[0]!.reject(new ProblemError('storage_rejected', `InfluxDB refused the points: ${err.message}`));
      } else {
        for (const p of group) p.reject(err);
      }
    }
  }

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    if (inFlight.size >= maxInFlight) return; // picked up when a write finishes
    const group = pending;
    pending = [];
    pendingLines = 0;
    const p = send(group).finally(() => {
      inFlight.delete(p);
      if (pending.length && (pendingLines >= maxBatchLines || !timer)) flush();
    });
    inFlight.add(p);
  }

  return {
    write(batch) {
      const lines = batch.raw.length + batch.forever.length;
      if (lines === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        pending.push({ batch, resolve, reject });
        pendingLines += lines;
        if (pendingLines >= maxBatchLines) flush();
        else timer ??= setTimeout(flush, maxDelayMs);
      });
    },
    async drain() {
      while (pending.length || inFlight.size) {
        flush();
        await Promise.allSettled([...inFlight]);
      }
    },
  };
}
