import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import { viaRedis } from '../adapters/outage.ts';
import type { NotificationRecord, Recorder } from '../adapters/recorder.ts';
import type { SafetyStore } from '../adapters/safety-store.ts';
import type { Receiver } from './config.ts';
import { ReceiverError, createHttpTransport, type ReceiverTransport } from './http-sender.ts';

export type { ReceiverTransport } from './http-sender.ts';
export type { Receiver } from './config.ts';
import { receiverRequests } from './payloads.ts';
import type { ReceiverMessage } from './message.ts';

/** BullMQ queue of receiver deliveries (one job per notice and receiver). */
export const RECEIVERS_QUEUE = 'ww-receivers';

/** Payload of a receiver job (versioned). Names the receiver; its URL and secrets stay in the configuration. */
export interface ReceiverJob {
  v: 1;
  deviceId: string;
  receiver: string;
  message: ReceiverMessage;
}

/** Stable job id, also the `Idempotency-Key` the receiver sees: the same on every retry and replay. */
export function receiverJobId(deviceId: string, notificationId: string, receiver: string): string {
  return ['receiver', deviceId, notificationId, receiver].map(encodeURIComponent).join('/');
}

/** How a receiver appears in notification records and `/notifications` (never its URL). */
export const receiverRecipient = (r: Pick<Receiver, 'type' | 'name'>) => `${r.type}:${r.name}`;

/**
 * Queues one job per receiver for a notice that is to be notified. PagerDuty only hears of DOWN
 * and UP events, so a receiver with nothing to send gets no job. The message may be made per receiver
 * (its acknowledgement link names it). Returns the recipients queued.
 */
export async function queueReceiverJobs(
  queue: Queue<ReceiverJob>,
  receivers: readonly Receiver[],
  deviceId: string,
  messageFor: ReceiverMessage | ((r: Receiver) => ReceiverMessage),
  attempts: number,
): Promise<string[]> {
  const queued: string[] = [];
  for (const r of receivers) {
    const message = typeof messageFor === 'function' ? messageFor(r) : messageFor;
    const jobId = receiverJobId(deviceId, message.notificationId, r.name);
    if (receiverRequests(r, message, { nowMs: 0, idempotencyKey: jobId }).length === 0) continue;
    await viaRedis(() =>
      queue.add(
        'send',
        { v: 1, deviceId, receiver: r.name, message },
        {
          jobId,
          attempts,
          backoff: { type: 'wanwatch' },
          removeOnComplete: { age: 7 * 86_400 },
          removeOnFail: { age: 30 * 86_400 },
        },
      ),
    );
    queued.push(receiverRecipient(r));
  }
  return queued;
}

/**
 * Sends one receiver job. Each request is marked sent in Redis as soon as the receiver accepted it,
 * so a job that runs again (worker killed, record not yet written) re-sends nothing already
 * accepted. Transient failures throw (BullMQ retries on the delivery plan); permanent ones fail the
 * job at once and are recorded `failed`, visible in `/notifications?status=failed`.
 */
export function createReceiverProcessor(deps: {
  list: () => Promise<readonly Receiver[]>;
  /** Defaults to HTTP with a 10 s timeout per request. */
  transport?: ReceiverTransport;
  recorder: Recorder;
  safety: Pick<SafetyStore, 'markSent' | 'sentMark'>;
  logger: Logger;
  nowMs: () => number;
}) {
  const transport = deps.transport ?? createHttpTransport({ timeoutMs: 10_000 });
  const record = async (r: NotificationRecord) => {
    try {
      await deps.recorder.notification(r);
    } catch (err) {
      deps.logger.error(
        { notificationId: r.notificationId, status: r.status, err: (err as Error).message },
        'could not record receiver attempt in InfluxDB',
      );
    }
  };
  return async function processReceiver(job: Job<ReceiverJob>): Promise<{ sent: number }> {
    const d = job.data;
    if (d?.v !== 1) throw new UnrecoverableError(`receiver job ${job.id}: unknown payload version`);
    const jobId = String(job.id);
    const attempt = job.attemptsMade + 1;
    const r = (await deps.list()).find((x) => x.name === d.receiver);
    const base = {
      deviceId: d.deviceId,
      notificationId: d.message.notificationId,
      incidentId: d.message.notificationId,
      recipients: [r ? receiverRecipient(r) : `receiver:${d.receiver}`],
      subject: d.message.subject,
      attempt,
      messageId: jobId,
    };
    if (!r) {
      await record({ ...base, status: 'failed', error: 'receiver no longer configured', atMs: deps.nowMs() });
      throw new UnrecoverableError(`receiver ${d.receiver} no longer configured`);
    }
    const requests = receiverRequests(r, d.message, { nowMs: deps.nowMs(), idempotencyKey: jobId });
    for (const [i, req] of requests.entries()) {
      const key = `${jobId}#${i}`;
      if (await deps.safety.sentMark(key)) continue;
      try {
        await transport.post(req);
      } catch (err) {
        const e = err instanceof ReceiverError ? err : new ReceiverError((err as Error).message, true, null);
        const final = !e.transient || attempt >= (job.opts.attempts ?? 1);
        await record({ ...base, status: final ? 'failed' : 'retrying', error: e.message, atMs: deps.nowMs() });
        deps.logger[final ? 'error' : 'warn'](
          { deviceId: d.deviceId, notificationId: base.notificationId, receiver: r.name, attempt, err: e.message },
          final ? 'receiver delivery failed for good' : 'receiver delivery failed; will retry',
        );
        throw e.transient ? e : new UnrecoverableError(e.message);
      }
      await deps.safety.markSent(key, attempt, deps.nowMs());
    }
    await deps.recorder.notification({ ...base, status: 'sent', error: null, atMs: deps.nowMs() });
    return { sent: requests.length };
  };
}
