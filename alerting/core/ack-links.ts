import { escapeHtml } from '../../store/text-format.ts';
import type { Notice } from './notice.ts';
import { openIncident, type DeviceAlertState } from './state.ts';

/** An incident a message may offer to acknowledge, with what people call it (`eth1 DOWN`). */
export interface AckableIncident {
  incidentId: string;
  what: string;
}

/**
 * The open incidents a notice's message offers to acknowledge: those of its notified items that
 * are still open in the device's state when the message is made, each once.
 *
 * | notified item | incident offered (if still open) |
 * |---|---|
 * | link_down | the item's own (`down:…`) |
 * | device_unreachable | the item's own (`unreach:…`) |
 * | reminder of a link | the link's open DOWN |
 * | reminder of the device | the open UNREACHABLE |
 * | anything else (up, back online, policy, degraded, flapping) | none |
 */
export function ackableIncidents(notice: Pick<Notice, 'items'>, state: DeviceAlertState): AckableIncident[] {
  const out = new Map<string, AckableIncident>();
  for (const { item, disposition } of notice.items) {
    if (disposition !== 'notify') continue;
    let id: string | null = null;
    if (item.kind === 'link_down' || item.kind === 'device_unreachable') id = item.id;
    else if (item.kind === 'reminder')
      id = item.iface === null ? state.unreachableIncidentId : (state.ifaces.get(item.iface)?.downIncidentId ?? null);
    const open = id === null ? null : openIncident(state, id);
    if (open && !out.has(open.id))
      out.set(open.id, {
        incidentId: open.id,
        what: open.kind === 'link_down' ? `${open.iface} DOWN` : 'device UNREACHABLE',
      });
  }
  return [...out.values()];
}

/** The signed links a message carries (absent without WANWATCH_PUBLIC_URL). */
export interface MessageLinks {
  /** The device's uptime report (last 7 days as of opening). */
  report: string | null;
  /** One link per offered incident and recipient; each acknowledges as that recipient. */
  ack: Array<{ by: string; what: string; url: string }>;
}

/** The "Acknowledge" and report lines of a message's text. Pure. */
export function linkLines(links: MessageLinks): string[] {
  const several = new Set(links.ack.map((a) => a.what)).size > 1;
  return [
    ...(links.ack.length > 0 ? ['', 'Acknowledge (stops the reminders; opens a page with a button):'] : []),
    ...links.ack.map((a) => `  - ${several ? `${a.what}, ` : ''}as ${a.by}: ${a.url}`),
    ...(links.report ? ['', `Uptime report (last 7 days): ${links.report}`] : []),
  ];
}

/** The same links as HTML (escaped). Pure. */
export function linkHtml(links: MessageLinks): string[] {
  const several = new Set(links.ack.map((a) => a.what)).size > 1;
  const a = (url: string, label: string) => `<a href="${escapeHtml(url)}">${escapeHtml(label)}</a>`;
  return [
    ...(links.ack.length > 0
      ? [
          '<h3>Acknowledge</h3><ul>',
          ...links.ack.map((x) => `<li>${a(x.url, `${several ? `${x.what}: ` : ''}acknowledge as ${x.by}`)}</li>`),
          '</ul>',
        ]
      : []),
    ...(links.report ? [`<p>${a(links.report, 'Uptime report (last 7 days)')}</p>`] : []),
  ];
}
