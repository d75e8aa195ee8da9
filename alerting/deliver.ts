import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { AlertStore } from './adapters/store.ts';
import type { Recorder } from './adapters/recorder.ts';
import type { Notice } from './core/notice.ts';
import { ifaceFigures, renderNotice } from './core/render.ts';
import type { DeviceAlertState } from './core/state.ts';

/** Payload of a notify job (versioned). */
export interface NotifyJob {
  v: 1;
  deviceId: string;
  notificationId: string;
  incidentKind: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
}

/** Stable Message-ID of one notification of one device: the same on every retry and every replay. */
export function messageIdFor(deviceId: string, notificationId: string): string {
  return `<wanwatch.${createHash('sha1').update(`${deviceId}\n${notificationId}`).digest('hex').slice(0, 24)}@wanwatch.local>`;
}

/**
 * A BullMQ custom job id from parts: each part URI-encoded (so no ':' — BullMQ 6 refuses ids with
 * colons — and no '/'), joined with '/'. Unambiguous, and never an integer string.
 */
export function jobIdOf(kind: string, ...parts: string[]): string {
  return [kind, ...parts.map(encodeURIComponent)].join('/');
}

/** BullMQ job id of a notification: derived from the incident. */
export function notifyJobId(deviceId: string, notificationId: string): string {
  return jobIdOf('notify', deviceId, notificationId);
}

/**
 * Records a notice (every item, whatever its disposition) and, when something is to be emailed and
 * someone is to receive it, queues one notify job with a stable id.
 */
export function createDeliverer(deps: {
  store: AlertStore;
  recorder: Recorder;
  notifyQueue: Queue<NotifyJob>;
  nocEmails: string[];
  dashboardUrl?: (deviceId: string) => string;
  logger: Logger;
  jobOptions: { attempts: number };
}) {
  return async function deliverNotice(notice: Notice, state: DeviceAlertState, nowMs: number): Promise<void> {
    const [record, live] = await Promise.all([
      deps.store.deviceRecord(notice.deviceId),
      deps.store.live(notice.deviceId),
    ]);
    const ifaces = ifaceFigures(state, live.ifaces);
    const mail = renderNotice(notice, {
      device: { id: notice.deviceId, name: record?.name ?? notice.deviceId, site: record?.site ?? null },
      mode: record?.multiWan?.mode ?? null,
      ifaces,
      policies: state.policies,
      dashboardUrl: deps.dashboardUrl ? deps.dashboardUrl(notice.deviceId) : null,
    });
    const messageId = messageIdFor(notice.deviceId, notice.id);
    const base = {
      deviceId: notice.deviceId,
      notificationId: notice.id,
      incidentId: notice.items[0]?.item.id ?? notice.id,
      subject: mail.subject,
      attempt: 0,
      error: null,
      messageId,
      atMs: nowMs,
    };
    if (!notice.items.some((i) => i.disposition === 'notify')) {
      await deps.recorder.incidents(notice, mail.subject);
      await deps.recorder.notification({
        ...base,
        status: 'suppressed',
        recipients: [],
        error: notice.items.map((i) => i.reason).join('; '),
      });
      deps.logger.info(
        { deviceId: notice.deviceId, notificationId: notice.id, reasons: notice.items.map((i) => i.reason) },
        'notification suppressed',
      );
      return;
    }
    const to = [...new Set([...(record?.notificationEmails ?? []), ...deps.nocEmails])];
    if (to.length === 0) {
      await deps.recorder.incidents(notice, mail.subject);
      await deps.recorder.notification({ ...base, status: 'no_recipients', recipients: [] });
      if (await deps.store.firstNoRecipients(notice.deviceId)) {
        deps.logger.warn(
          { deviceId: notice.deviceId },
          'device has no notificationEmails and WANWATCH_ALERT_EMAILS is empty: its alerts are recorded but not emailed',
        );
      }
      return;
    }
    const job: NotifyJob = {
      v: 1,
      deviceId: notice.deviceId,
      notificationId: notice.id,
      incidentKind: notice.kind,
      to,
      ...mail,
      messageId,
    };
    await deps.notifyQueue.add('send', job, {
      jobId: notifyJobId(notice.deviceId, notice.id),
      attempts: deps.jobOptions.attempts,
      backoff: { type: 'wanwatch' },
      removeOnComplete: { age: 7 * 86_400 },
      removeOnFail: { age: 30 * 86_400 },
    });
    // Queued first, recorded after: the email does not wait for InfluxDB (a replay rewrites the same points).
    await Promise.all([
      deps.recorder.incidents(notice, mail.subject),
      deps.recorder.notification({ ...base, status: 'queued', recipients: to }),
    ]);
  };
}
export type DeliverNotice = ReturnType<typeof createDeliverer>;
