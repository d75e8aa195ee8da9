import type { IncidentKind } from '../../store/index.ts';
import type { MessageLinks } from '../core/ack-links.ts';
import type { Notice, NoticeItem } from '../core/notice.ts';
import type { RenderedMail } from '../core/render.ts';
import type { RoutedNotice } from './routing.ts';

/** One event of a receiver message (a notified item of the notice). */
export interface ReceiverEvent {
  id: string;
  kind: NoticeItem['kind'];
  iface: string | null;
  atMs: number;
}

/**
 * What every receiver is told about one notice: the same facts and text as its email
 * (`renderNotice`), no secrets. Carried in the receiver job, so a retry sends the same message.
 */
export interface ReceiverMessage {
  notificationId: string;
  /** The notice's headline incident (its first item). */
  incidentId: string;
  kind: IncidentKind;
  atMs: number;
  device: { id: string; name: string; site: string | null };
  subject: string;
  text: string;
  events: ReceiverEvent[];
  /** Signed links (WANWATCH_PUBLIC_URL set): acknowledge as this receiver, the device's uptime report. */
  links: { dashboard: string | null; ack?: string | null; report?: string | null };
}

/** The message of a notice from its rendered email; only notified items are events. Pure. */
export function receiverMessage(
  notice: Notice,
  mail: RenderedMail,
  device: ReceiverMessage['device'],
  dashboardUrl: string | null,
  links?: MessageLinks,
): ReceiverMessage {
  const sent = notice.items.filter((i) => i.disposition === 'notify').map((i) => i.item);
  return {
    notificationId: notice.id,
    incidentId: notice.items[0]?.item.id ?? notice.id,
    kind: notice.kind,
    atMs: notice.atMs,
    device,
    subject: mail.subject,
    text: mail.text,
    events: sent.map((i) => ({ id: i.id, kind: i.kind, iface: 'iface' in i ? i.iface : null, atMs: i.atMs })),
    links: {
      dashboard: dashboardUrl,
      ...(links ? { ack: links.ack[0]?.url ?? null, report: links.report } : {}),
    },
  };
}

export type PagerDutyAction = 'trigger' | 'resolve';

/**
 * What PagerDuty is told of one event, and under which dedup key (the incident: a link of a
 * device, or the device itself), so a DOWN and its UP open and close the same PagerDuty incident:
 *
 * | event | action | dedup key |
 * |---|---|---|
 * | link_down | trigger | `<device>/link/<iface>` |
 * | link_up | resolve | `<device>/link/<iface>` |
 * | device_unreachable | trigger | `<device>/device` |
 * | device_back_online | resolve | `<device>/device` |
 * | anything else (policy change, degraded, flapping, reminder…) | none | – |
 */
export function pagerDutyEvent(
  deviceId: string,
  e: Pick<ReceiverEvent, 'kind' | 'iface'>,
): { action: PagerDutyAction; dedupKey: string } | null {
  const link = `${deviceId}/link/${e.iface ?? ''}`;
  const device = `${deviceId}/device`;
  switch (e.kind) {
    case 'link_down':
      return { action: 'trigger', dedupKey: link };
    case 'link_up':
      return { action: 'resolve', dedupKey: link };
    case 'device_unreachable':
      return { action: 'trigger', dedupKey: device };
    case 'device_back_online':
      return { action: 'resolve', dedupKey: device };
    default:
      return null;
  }
}

/**
 * What routing looks at in a notice. Its instant is when the matter began (the DOWN of an UP, the
 * start of an unreachable spell), so the end of a matter goes where its start went even when a
 * time-of-day window closed in between.
 */
export function routedNotice(notice: Notice, site: string | null): RoutedNotice {
  const first = notice.items.find((i) => i.disposition === 'notify')?.item ?? notice.items[0]?.item;
  let atMs = notice.atMs;
  if (first?.kind === 'link_up' && first.downSinceMs !== null) atMs = first.downSinceMs;
  if (first?.kind === 'device_back_online') atMs = first.unreachableSinceMs;
  if (first?.kind === 'reminder') atMs = first.sinceMs;
  return {
    kind: notice.kind,
    iface: first && 'iface' in first ? first.iface : null,
    deviceId: notice.deviceId,
    site,
    atMs,
  };
}
