import type { IncidentRow } from '../../store/index.ts';
import { h, layout, type PageSession } from './layout.ts';

/** Incident kinds that stay open until they end, so they can be acknowledged (docs/alerts.md). */
const ACKABLE = new Set(['link_down', 'all_links_down', 'device_unreachable']);

function actions(i: IncidentRow, n: number, csrf: string, canAck: boolean, acked: ReadonlySet<string>): string {
  const target = `<input type="hidden" name="deviceId" value="${h(i.deviceId)}">`;
  const silence = `<form method="post" action="/incidents/silence" class="inline">${csrf}${target}<input type="hidden" name="iface" value="${h(i.iface ?? '')}">
<button type="submit">Silence 1 h</button></form>
<form method="post" action="/incidents/silence" class="inline">${csrf}${target}
<label for="until-${n}">Silence device until (UTC)</label><input id="until-${n}" name="until" type="datetime-local" required>
<button type="submit">Silence device</button></form>`;
  if (!canAck || i.status === 'acknowledged' || !ACKABLE.has(i.kind)) return silence;
  if (acked.has(i.incidentId)) return `${silence} <span class="badge">acknowledged</span>`;
  return `${silence} <form method="post" action="/incidents/ack" class="inline">${csrf}${target}<input type="hidden" name="incidentId" value="${h(i.incidentId)}"><button type="submit">Acknowledge</button></form>`;
}

/**
 * Open and recent incidents, newest first: silence the link for 1 h or the device until a time,
 * and acknowledge an open outage (`canAck`: the console has alerting's acknowledgement wired).
 * An incident with an `acknowledged` row shows who did it instead of the button.
 */
export function renderIncidents(
  p: { incidents: IncidentRow[]; nowMs: number; error?: string; notice?: string; canAck: boolean },
  session: PageSession,
): string {
  const csrf = `<input type="hidden" name="_csrf" value="${h(session.csrf)}">`;
  const acked = new Set(p.incidents.filter((i) => i.status === 'acknowledged').map((i) => i.incidentId));
  const rows = p.incidents
    .map(
      (
        i,
        n,
      ) => `<tr class="${i.status === 'open' ? 'bad' : 'good'}" data-incident="${h(i.incidentId)}" data-status="${h(i.status)}">
<td><time>${new Date(i.timeMs).toISOString()}</time></td><td><a href="/device/${encodeURIComponent(i.deviceId)}">${h(i.deviceId)}</a></td>
<td>${h(i.iface ?? '')}</td><td>${h(i.kind)}</td><td>${h(i.status)}</td><td>${h(i.title)}</td><td>${actions(i, n, csrf, p.canAck, acked)}</td></tr>`,
    )
    .join('');
  return layout(
    'Incidents',
    `<h1>Incidents <span class="sub">last 7 days</span></h1>
${p.error ? `<p class="error" role="alert">${h(p.error)}</p>` : ''}${p.notice ? `<p class="notice" role="status">${h(p.notice)}</p>` : ''}
<table class="incidents"><thead><tr><th scope="col">When</th><th scope="col">Device</th><th scope="col">Interface</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Title</th><th scope="col"><span class="sr">Actions</span></th></tr></thead>
<tbody>${rows || '<tr><td colspan="7">none</td></tr>'}</tbody></table>`,
    session,
  );
}
