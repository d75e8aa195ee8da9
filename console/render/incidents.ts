import type { IncidentRow } from '../../store/index.ts';
import { canWrite, h, layout, type PageSession } from './layout.ts';

/**
 * Open and recent incidents, newest first, with "silence 1 h" per row. Acknowledging needs
 * alerting's acknowledgement (issue #17): `canAck` stays false until that exists, and no button
 * pretends to acknowledge meanwhile.
 */
export function renderIncidents(
  p: { incidents: IncidentRow[]; nowMs: number; error?: string; canAck: boolean },
  session: PageSession,
): string {
  const csrf = `<input type="hidden" name="_csrf" value="${h(session.csrf)}">`;
  const rows = p.incidents
    .map((i) => {
      const silence = !canWrite(session, '/incidents/silence')
        ? ''
        : `<form method="post" action="/incidents/silence" class="inline">${csrf}
<input type="hidden" name="deviceId" value="${h(i.deviceId)}"><input type="hidden" name="iface" value="${h(i.iface ?? '')}">
<button type="submit">Silence 1 h</button></form>`;
      const ack =
        p.canAck && canWrite(session, '/incidents/ack')
          ? `<form method="post" action="/incidents/ack" class="inline">${csrf}<input type="hidden" name="incidentId" value="${h(i.incidentId)}"><button type="submit">Acknowledge</button></form>`
          : '';
      return `<tr class="${i.status === 'open' ? 'bad' : 'good'}" data-incident="${h(i.incidentId)}">
<td><time>${new Date(i.timeMs).toISOString()}</time></td><td><a href="/device/${encodeURIComponent(i.deviceId)}">${h(i.deviceId)}</a></td>
<td>${h(i.iface ?? '')}</td><td>${h(i.kind)}</td><td>${h(i.status)}</td><td>${h(i.title)}</td><td>${silence} ${ack}</td></tr>`;
    })
    .join('');
  return layout(
    'Incidents',
    `<h1>Incidents <span class="sub">last 7 days</span></h1>
${p.error ? `<p class="error" role="alert">${h(p.error)}</p>` : ''}
<table class="incidents"><thead><tr><th scope="col">When</th><th scope="col">Device</th><th scope="col">Interface</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Title</th><th scope="col"><span class="sr">Actions</span></th></tr></thead>
<tbody>${rows || '<tr><td colspan="7">none</td></tr>'}</tbody></table>`,
    session,
  );
}
