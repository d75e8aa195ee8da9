import { WEEKDAYS, activeAt, type DeviceRecord, type Silence } from '../../store/index.ts';
import { weeklyText } from '../core/maintenance-form.ts';
import { h, layout, type PageSession } from './layout.ts';

const DAY_LABEL = new Map([
  ['mon', 'Monday'],
  ['tue', 'Tuesday'],
  ['wed', 'Wednesday'],
  ['thu', 'Thursday'],
  ['fri', 'Friday'],
  ['sat', 'Saturday'],
  ['sun', 'Sunday'],
]);
const WEEK_ORDER = [...WEEKDAYS.slice(1), WEEKDAYS[0]];

function row(s: Silence, nowMs: number, csrf: string): string {
  const scope = s.deviceId ?? (s.site !== null ? `site ${s.site}` : 'whole fleet');
  const when = s.weekly
    ? `<td colspan="2">weekly: ${h(weeklyText(s))}</td>`
    : `<td><time>${new Date(s.startMs).toISOString()}</time></td><td><time>${new Date(s.endMs).toISOString()}</time></td>`;
  const now = activeAt(s, nowMs) ? ' <span class="badge maint">in force</span>' : '';
  return `<tr data-silence="${h(s.id)}"><td>${h(scope)}${now}</td><td>${h(s.iface ?? 'all links')}</td>
${when}<td>${h(s.comment)}</td><td>${h(s.createdBy)}</td>
<td><form method="post" action="/maintenance/${encodeURIComponent(s.id)}/end">${csrf}<button type="submit">End</button></form></td></tr>`;
}

/**
 * Maintenance windows (silences): the active and coming ones (one-off and weekly), a form to add
 * one for a device, a site or the fleet, and a button to end one.
 */
export function renderMaintenance(
  p: { silences: Silence[]; devices: DeviceRecord[]; nowMs: number; error?: string },
  session: PageSession,
): string {
  const csrf = `<input type="hidden" name="_csrf" value="${h(session.csrf)}">`;
  const rows = p.silences
    .filter((s) => s.endMs > p.nowMs)
    .sort((a, b) => a.startMs - b.startMs)
    .map((s) => row(s, p.nowMs, csrf))
    .join('');
  const options = p.devices.map((d) => `<option value="${h(d.id)}">${h(d.name)} (${h(d.id)})</option>`).join('');
  const sites = [...new Set(p.devices.map((d) => d.site).filter((s): s is string => !!s))].sort();
  const siteOptions = sites.map((s) => `<option value="${h(s)}">${h(s)}</option>`).join('');
  const days = WEEK_ORDER.map(
    (d) =>
      `<input type="checkbox" id="day-${d}" name="days" value="${d}"><label for="day-${d}">${DAY_LABEL.get(d)}</label>`,
  ).join(' ');
  return layout(
    'Maintenance',
    `<h1>Maintenance</h1>
${p.error ? `<p class="error" role="alert">${h(p.error)}</p>` : ''}
<form method="post" action="/maintenance" class="stack">${csrf}
<label for="deviceId">Device</label><select id="deviceId" name="deviceId"><option value="">whole fleet (or the site below)</option>${options}</select>
<label for="site">Site (when none is picked above)</label><select id="site" name="site"><option value="">every site</option>${siteOptions}</select>
<label for="iface">Interface (empty: all)</label><input id="iface" name="iface" maxlength="128">
<fieldset><legend>Repeat</legend>
<input type="radio" id="repeat-once" name="repeat" value="once" checked><label for="repeat-once">once</label>
<input type="radio" id="repeat-weekly" name="repeat" value="weekly"><label for="repeat-weekly">every week</label></fieldset>
<fieldset><legend>Once</legend>
<label for="from">Starts (UTC; empty: now)</label><input id="from" name="from" type="datetime-local">
<label for="hours">Hours</label><input id="hours" name="hours" type="number" min="0.25" max="720" step="0.25" value="1"></fieldset>
<fieldset><legend>Every week</legend>
<div>${days}</div>
<label for="start">Start time (local)</label><input id="start" name="start" type="time" value="02:00">
<label for="durationMin">Duration (minutes)</label><input id="durationMin" name="durationMin" type="number" min="1" max="10080" value="60">
<label for="timeZone">Time zone (IANA)</label><input id="timeZone" name="timeZone" value="UTC" maxlength="64">
<label for="firstDate">First date (empty: today)</label><input id="firstDate" name="firstDate" type="date">
<label for="lastDate">Last date (empty: none)</label><input id="lastDate" name="lastDate" type="date"></fieldset>
<label for="comment">Comment</label><input id="comment" name="comment" maxlength="500">
<button type="submit">Start maintenance</button>
</form>
<h2>Active and coming</h2>
<table class="silences"><thead><tr><th scope="col">Applies to</th><th scope="col">Interface</th><th scope="col">From</th><th scope="col">Until</th><th scope="col">Comment</th><th scope="col">By</th><th scope="col"><span class="sr">Actions</span></th></tr></thead>
<tbody>${rows || '<tr><td colspan="7">none</td></tr>'}</tbody></table>`,
    session,
  );
}
