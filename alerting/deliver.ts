import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { AlertStore } from './adapters/store.ts';
import { viaRedis } from './adapters/outage.ts';
import type { NotificationRecord, Recorder } from './adapters/recorder.ts';
import { ackableIncidents, type MessageLinks } from './core/ack-links.ts';
import type { Notice } from './core/notice.ts';
import { ifaceFigures, renderNotice } from './core/render.ts';
import type { DeviceAlertState } from './core/state.ts';
import { queueReceiverJobs, receiverRecipient, type ReceiverJob } from './receivers/delivery.ts';
import type { LinkMaker } from '../store/index.ts';
import { receiverMessage, routedNotice } from './receivers/message.ts';
import { pickReceivers, type ReceiverSetup } from './receivers/routes-file.ts';

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

/**
 * Payload of a record job (alerting's timer queue): the incidents of one notice and its
 * notification record, written to InfluxDB apart from the flush so that an InfluxDB outage never
 * holds a group (the job waits for InfluxDB; a replay rewrites the same points).
 */
export interface RecordJob {
  v: 1;
  notice: Notice;
  subject: string;
  notification: NotificationRecord;
}

/** Signed links in messages: the maker (public base URL and the server's link key) and their lifetime. */
export interface DeliverLinks {
  maker: () => Promise<LinkMaker>;
  lifetimeMs: number;
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

/** Writes what a record job carries (idempotent: same points on a replay). */
export async function writeRecords(recorder: Recorder, r: RecordJob): Promise<void> {
  await recorder.incidents(r.notice, r.subject);
  await recorder.notification(r.notification);
}

/**
 * Queues, for a notice, one notify job with a stable id when something is to be emailed and someone
 * is to receive it, and one record job (incidents and notification record, whatever the
 * disposition). Only Redis is needed: the email does not wait for InfluxDB.
 */
export function createDeliverer(deps: {
  store: AlertStore;
  notifyQueue: Queue<NotifyJob>;
  /** Alerting's timer queue, where record jobs run. */
  recordQueue: Queue;
  nocEmails: string[];
  /** Chat and paging receivers and their routes (beside email), and their queue. */
  receivers?: { setup: () => Promise<ReceiverSetup>; queue: Queue<ReceiverJob> };
  dashboardUrl?: (deviceId: string) => string;
  /** Signs acknowledgement and report links (WANWATCH_PUBLIC_URL set); without it messages carry none. */
  links?: DeliverLinks;
  logger: Logger;
  jobOptions: { attempts: number; recordAttempts: number };
}) {
  const queueRecords = (notice: Notice, subject: string, notification: NotificationRecord) =>
    viaRedis(() =>
      deps.recordQueue.add('record', { v: 1, notice, subject, notification } satisfies RecordJob, {
        jobId: jobIdOf('record', notice.deviceId, notice.id),
        attempts: deps.jobOptions.recordAttempts,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: { age: 86_400 },
        removeOnFail: { age: 7 * 86_400 },
      }),
    );

  /** Who-specific links of a notice (null without a link maker): acks of its open incidents, the report. */
  async function messageLinks(notice: Notice, state: DeviceAlertState, nowMs: number) {
    if (!deps.links || !notice.items.some((i) => i.disposition === 'notify')) return null;
    const maker = await viaRedis(deps.links.maker);
    const expMs = nowMs + deps.links.lifetimeMs;
    const deviceId = notice.deviceId;
    const incidents = ackableIncidents(notice, state);
    const report = maker.report({ deviceId }, expMs);
    return (recipients: string[]): MessageLinks => ({
      report,
      ack: incidents.flatMap(({ incidentId, what }) =>
        recipients.map((by) => ({ by, what, url: maker.ack({ deviceId, incidentId, by }, expMs) })),
      ),
    });
  }

  return async function deliverNotice(notice: Notice, state: DeviceAlertState, nowMs: number): Promise<void> {
    const [record, live] = await Promise.all([
      deps.store.deviceRecord(notice.deviceId),
      deps.store.live(notice.deviceId),
    ]);
    const ifaces = ifaceFigures(state, live.ifaces);
    const device = { id: notice.deviceId, name: record?.name ?? notice.deviceId, site: record?.site ?? null };
    const dashboardUrl = deps.dashboardUrl ? deps.dashboardUrl(notice.deviceId) : null;
    const ctx = { device, mode: record?.multiWan?.mode ?? null, ifaces, policies: state.policies, dashboardUrl };
    const to = [...new Set([...(record?.notificationEmails ?? []), ...deps.nocEmails])];
    const linksFor = await messageLinks(notice, state, nowMs);
    const mail = renderNotice(notice, { ...ctx, ...(linksFor ? { links: linksFor(to) } : {}) });
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
      await queueRecords(notice, mail.subject, {
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
    const chat = deps.receivers
      ? await queueReceiverJobs(
          deps.receivers.queue,
          pickReceivers(await deps.receivers.setup(), routedNotice(notice, device.site)),
          notice.deviceId,
          (r) => {
            if (!linksFor) return receiverMessage(notice, mail, device, dashboardUrl);
            const links = linksFor([receiverRecipient(r)]);
            return receiverMessage(notice, renderNotice(notice, { ...ctx, links }), device, dashboardUrl, links);
          },
          deps.jobOptions.attempts,
        )
      : [];
    if (to.length === 0 && chat.length > 0) {
      await queueRecords(notice, mail.subject, { ...base, status: 'queued', recipients: chat });
      return;
    }
    if (to.length === 0) {
      await queueRecords(notice, mail.subject, { ...base, status: 'no_recipients', recipients: [] });
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
    await viaRedis(() =>
      deps.notifyQueue.add('send', job, {
        jobId: notifyJobId(notice.deviceId, notice.id),
        attempts: deps.jobOptions.attempts,
        backoff: { type: 'wanwatch' },
        removeOnComplete: { age: 7 * 86_400 },
        removeOnFail: { age: 30 * 86_400 },
      }),
    );
    await queueRecords(notice, mail.subject, { ...base, status: 'queued', recipients: [...to, ...chat] });
  };
}
export type DeliverNotice = ReturnType<typeof createDeliverer>;
