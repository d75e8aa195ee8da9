import { createHmac } from 'node:crypto';
import type { Receiver } from './config.ts';
import { pagerDutyEvent, type ReceiverMessage } from './message.ts';

/** One HTTP request to a receiver (always POST with a JSON body). */
export interface ReceiverRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export const SIGNATURE_HEADER = 'x-wanwatch-signature';
export const TIMESTAMP_HEADER = 'x-wanwatch-timestamp';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/**
 * The webhook signature: `sha256=` + hex HMAC-SHA256 over `<timestamp>.<body>` with the receiver's
 * secret, the timestamp being the `X-Wanwatch-Timestamp` header (Unix seconds). A receiver
 * recomputes it and refuses stale timestamps, so a captured request cannot be replayed later.
 */
export function webhookSignature(secret: string, timestampS: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex')}`;
}

const json = { 'content-type': 'application/json' };

/** Telegram caps a message at 4096 characters; PagerDuty a summary at 1024. */
const cut = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/** Subject without the `[wanwatch] ` mail prefix (chat messages show who sent them already). */
const title = (m: ReceiverMessage) => m.subject.replace(/^\[wanwatch\] /, '');

/**
 * The requests that tell one receiver about one message, built at send time (`nowMs` signs the
 * webhook). Pure. Every request carries `Idempotency-Key` (the same on each retry and replay).
 *
 * | receiver | requests | body |
 * |---|---|---|
 * | webhook | 1 | `{ version, idempotencyKey, incident, device, events, subject, text, links }`, signed |
 * | slack | 1 | `{ text }` (mrkdwn: bold title, the email text in a code block) |
 * | teams | 1 | a Workflows message with one Adaptive Card (title, text; acknowledge, dashboard, report actions) |
 * | telegram | 1 | `sendMessage` `{ chat_id, text }` (plain text, ≤ 4096 characters) |
 * | pagerduty | one per DOWN/UP event (see pagerDutyEvent); none for other events | Events API v2 |
 */
export function receiverRequests(
  r: Receiver,
  m: ReceiverMessage,
  o: { nowMs: number; idempotencyKey: string },
): ReceiverRequest[] {
  const headers = { ...json, [IDEMPOTENCY_HEADER]: o.idempotencyKey };
  switch (r.type) {
    case 'webhook': {
      const body = JSON.stringify({
        version: 1,
        idempotencyKey: o.idempotencyKey,
        incident: {
          id: m.incidentId,
          notificationId: m.notificationId,
          kind: m.kind,
          at: new Date(m.atMs).toISOString(),
        },
        device: m.device,
        events: m.events.map((e) => ({ ...e, at: new Date(e.atMs).toISOString() })),
        subject: m.subject,
        text: m.text,
        links: m.links,
      });
      const ts = Math.floor(o.nowMs / 1000);
      return [
        {
          url: r.url,
          headers: {
            ...headers,
            [TIMESTAMP_HEADER]: String(ts),
            [SIGNATURE_HEADER]: webhookSignature(r.secret, ts, body),
          },
          body,
        },
      ];
    }
    case 'slack':
      return [{ url: r.url, headers, body: JSON.stringify({ text: `*${title(m)}*\n\`\`\`\n${m.text}\n\`\`\`` }) }];
    case 'teams':
      return [{ url: r.url, headers, body: JSON.stringify(teamsCard(m)) }];
    case 'telegram':
      return [
        {
          url: `${r.apiUrl.replace(/\/+$/, '')}/bot${r.botToken}/sendMessage`,
          headers,
          body: JSON.stringify({ chat_id: r.chatId, text: cut(m.text, 4096), disable_web_page_preview: true }),
        },
      ];
    case 'pagerduty':
      return pagerDutyBodies(r.routingKey, m).map((body) => ({ url: r.url, headers, body: JSON.stringify(body) }));
  }
}

function teamsCard(m: ReceiverMessage) {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: title(m), weight: 'Bolder', size: 'Medium', wrap: true },
            { type: 'TextBlock', text: m.text, wrap: true, fontType: 'Monospace' },
          ],
          actions: [
            ...(m.links.ack ? [{ type: 'Action.OpenUrl', title: 'Acknowledge', url: m.links.ack }] : []),
            ...(m.links.dashboard
              ? [{ type: 'Action.OpenUrl', title: 'Open the dashboard', url: m.links.dashboard }]
              : []),
            ...(m.links.report ? [{ type: 'Action.OpenUrl', title: 'Uptime report', url: m.links.report }] : []),
          ],
        },
      },
    ],
  };
}

/** PagerDuty's links of a trigger: dashboard, acknowledgement page, uptime report (those that are set). */
function pdLinks(m: ReceiverMessage): Array<{ href: string; text: string }> {
  const l = m.links;
  return [
    ...(l.dashboard ? [{ href: l.dashboard, text: 'Dashboard' }] : []),
    ...(l.ack ? [{ href: l.ack, text: 'Acknowledge in wanwatch' }] : []),
    ...(l.report ? [{ href: l.report, text: 'Uptime report' }] : []),
  ];
}

function pagerDutyBodies(routingKey: string, m: ReceiverMessage) {
  const seen = new Set<string>();
  const out: object[] = [];
  for (const e of m.events) {
    const pd = pagerDutyEvent(m.device.id, e);
    if (!pd || seen.has(`${pd.action} ${pd.dedupKey}`)) continue;
    seen.add(`${pd.action} ${pd.dedupKey}`);
    out.push(
      pd.action === 'resolve'
        ? { routing_key: routingKey, event_action: 'resolve', dedup_key: pd.dedupKey }
        : {
            routing_key: routingKey,
            event_action: 'trigger',
            dedup_key: pd.dedupKey,
            payload: {
              summary: cut(title(m), 1024),
              source: m.device.name,
              severity: e.kind === 'device_unreachable' || m.kind === 'all_links_down' ? 'critical' : 'error',
              timestamp: new Date(e.atMs).toISOString(),
              ...(e.iface ? { component: e.iface } : {}),
              ...(m.device.site ? { group: m.device.site } : {}),
              class: e.kind,
              custom_details: { text: m.text, notificationId: m.notificationId, deviceId: m.device.id },
            },
            ...(pdLinks(m).length > 0 ? { links: pdLinks(m) } : {}),
          },
    );
  }
  return out;
}
