import type { DeviceRecord, Silence } from '../../store/index.ts';
import { canWrite, h, layout, type PageSession } from './layout.ts';

/** Maintenance windows (silences): the active and coming ones, a form to add one, a button to end one. */
export function renderMaintenance(
  p: { silences: Silence[]; devices: DeviceRecord[]; nowMs: number; error?: string },
  session: PageSession,
): string {
  const csrf = `<input type="hidden" name="_csrf" value="${h(session.csrf)}">`;
  const may = canWrite(session, '/maintenance');
  const rows = p.silences
    .filter((s) => s.endMs > p.nowMs)
    .sort((a, b) => a.startMs - b.startMs)
    .map(
      (
        s,
      ) => `<tr data-silence="${h(s.id)}"><td>${h(s.deviceId ?? 'whole fleet')}</td><td>${h(s.iface ?? 'all links')}</td>
<td><time>${new Date(s.startMs).toISOString()}</time></td><td><time>${new Date(s.endMs).toISOString()}</time></td><td>${h(s.comment)}</td>
<td>${may ? `<form method="post" action="/maintenance/${encodeURIComponent(s.id)}/end">${csrf}<button type="submit">End</button></form>` : ''}</td></tr>`,
    )
    .join('');
  const options = p.devices.map((d) => `<option value="${h(d.id)}">${h(d.name)} (${h(d.id)})</option>`).join('');
  return layout(
    'Maintenance',
    `<h1>Maintenance</h1>
${p.error ? `<p class="error" role="alert">${h(p.error)}</p>` : ''}
${
  may
    ? `<form method="post" action="/maintenance" class="stack">${csrf}
<label for="deviceId">Device</label><select id="deviceId" name="deviceId"><option value="">whole fleet</option>${options}</select>
<label for="iface">Interface (empty: all)</label><input id="iface" name="iface" maxlength="128">
<label for="hours">Hours from now</label><input id="hours" name="hours" type="number" min="0.25" max="720" step="0.25" value="1">
<label for="comment">Comment</label><input id="comment" name="comment" maxlength="500">
<button type="submit">Start maintenance</button>
</form>`
    : ''
}
<h2>Active and coming</h2>
<table class="silences"><thead><tr><th scope="col">Device</th><th scope="col">Interface</th><th scope="col">From</th><th scope="col">Until</th><th scope="col">Comment</th><th scope="col"><span class="sr">Actions</span></th></tr></thead>
<tbody>${rows || '<tr><td colspan="6">none</td></tr>'}</tbody></table>`,
    session,
  );
}
