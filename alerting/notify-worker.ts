import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { classifyMailError } from './adapters/mailer.ts';
import type { NotificationRecord, Recorder } from './adapters/recorder.ts';
import type { NotifyJob } from './deliver.ts';
import type { Mailer } from './index.ts';

/**
 * Sends one notification. Transient failures (connection, 4xx) throw so BullMQ retries with the
 * backoff plan; a 5xx reply throws UnrecoverableError (failed at once, visible in
 * /notifications?status=failed). Every attempt is recorded; a record that cannot be written is
 * logged, never turned into a retry (that would send the email twice).
 */
export function createNotifyProcessor(deps: {
  mailer: Mailer;
  recorder: Recorder;
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
    try {
      await deps.mailer.send({ to: d.to, subject: d.subject, text: d.text, html: d.html, messageId: d.messageId });
    } catch (err) {
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
    await record({ ...base, status: 'sent', error: null, atMs: deps.nowMs() });
    return { sentTo: d.to };
  };
}
