import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { classifyMailError, type Mailer } from '../store/index.ts';
import { isOutage } from './adapters/outage.ts';
import type { NotificationRecord, Recorder } from './adapters/recorder.ts';
import type { SafetyStore } from './adapters/safety-store.ts';
import type { NotifyJob } from './deliver.ts';

/**
 * Sends one notification. Transient failures (connection, 4xx) throw so BullMQ retries with the
 * backoff plan; a 5xx reply throws UnrecoverableError (failed at once, visible in
 * /notifications?status=failed).
 *
 * Duplicates: the mail server's 250 is marked in Redis at once (`markSent`), before anything else
 * is written. A job that runs again — its worker was killed, or its `sent` record could not be
 * written yet — finds the mark and only records, so a crash re-sends nothing but the messages whose
 * SMTP transaction was still open. The `sent` record waits out an InfluxDB outage (the job is
 * retried without sending); records of failed attempts are logged when they cannot be written,
 * never turned into a retry.
 */
export function createNotifyProcessor(deps: {
  mailer: Mailer;
  recorder: Recorder;
  safety: Pick<SafetyStore, 'markSent' | 'sentMark'>;
  logger: Logger;
  nowMs: () => number;
}) {
  const record = async (r: NotificationRecord) => {
    try {
      await deps.recorder.notification(r);
    } catch (err) {
      deps.logger.error(
        { notificationId: r.notificationId, status: r.status, err: (err as Error).message },
        'could not record notification attempt in InfluxDB',
      );
    }
  };
  return async function processNotify(job: Job<NotifyJob>): Promise<{ sentTo: string[] }> {
    const d = job.data;
    if (d?.v !== 1) throw new UnrecoverableError(`notify job ${job.id}: unknown payload version`);
    const attempt = job.attemptsMade + 1;
    const base = {
      deviceId: d.deviceId,
      notificationId: d.notificationId,
      incidentId: d.notificationId,
      recipients: d.to,
      subject: d.subject,
      attempt,
      messageId: d.messageId,
    };
    const jobId = String(job.id);
    const mark = await deps.safety.sentMark(jobId);
    if (!mark) {
      try {
        await deps.mailer.send({ to: d.to, subject: d.subject, text: d.text, html: d.html, messageId: d.messageId });
      } catch (err) {
        await failedAttempt(job, base, err);
      }
      await deps.safety.markSent(jobId, attempt, deps.nowMs());
    }
    try {
      await deps.recorder.notification({
        ...base,
        attempt: mark?.attempt ?? attempt,
        status: 'sent',
        error: null,
        atMs: mark?.atMs ?? deps.nowMs(),
      });
    } catch (err) {
      if (isOutage(err)) throw err; // retried without sending (the mark is there)
      deps.logger.error(
        { notificationId: d.notificationId, err: (err as Error).message },
        'could not record sent notification in InfluxDB',
      );
    }
    return { sentTo: d.to };
  };

  async function failedAttempt(
    job: Job<NotifyJob>,
    base: Omit<NotificationRecord, 'status' | 'error' | 'atMs'>,
    err: unknown,
  ): Promise<never> {
    const d = job.data;
    const attempt = base.attempt;
    const e = classifyMailError(err);
    const final = !e.transient || attempt >= (job.opts.attempts ?? 1);
    await record({
      ...base,
      status: final ? 'failed' : 'retrying',
      error: `${e.responseCode ?? e.code ?? ''} ${e.message}`.trim(),
      atMs: deps.nowMs(),
    });
    deps.logger[final ? 'error' : 'warn'](
      {
        deviceId: d.deviceId,
        notificationId: d.notificationId,
        attempt,
        responseCode: e.responseCode,
        code: e.code,
        err: e.message,
      },
      final ? 'notification failed for good' : 'notification attempt failed; will retry',
    );
    if (!e.transient) throw new UnrecoverableError(e.message);
    throw e;
  }
}
