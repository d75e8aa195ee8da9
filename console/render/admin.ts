import type { DeviceRecord } from '../../store/index.ts';
import { canWrite, h, layout, type PageSession } from './layout.ts';

export interface NewDevice {
  id: string;
  token: string;
  /** The backend's URL as the browser reached it (for the install line). */
  serverUrl: string;
}

/** Devices: add one (its token shown once, with the reporter's command line), remove one. */
export function renderAdmin(
  p: { devices: DeviceRecord[]; added?: NewDevice; error?: string },
  session: PageSession,
): string {
  const csrf = `<input type="hidden" name="_csrf" value="${h(session.csrf)}">`;
  const may = canWrite(session, '/admin/devices');
  const added = p.added
    ? `<section class="added" aria-labelledby="added-h"><h2 id="added-h">Device ${h(p.added.id)} added</h2>
<p>Its token is shown only now. On the router run:</p>
<pre class="install" data-install>wanwatch-reporter run --server ${h(p.added.serverUrl)} --device-id ${h(p.added.id)} --token ${h(p.added.token)}</pre></section>`
    : '';
  const rows = p.devices
    .map(
      (d) => `<tr data-device="${h(d.id)}"><td>${h(d.id)}</td><td>${h(d.name)}</td><td>${h(d.site ?? '')}</td>
<td>${may ? `<form method="post" action="/admin/devices/${encodeURIComponent(d.id)}/remove">${csrf}<button type="submit">Remove ${h(d.id)}</button></form>` : ''}</td></tr>`,
    )
    .join('');
  return layout(
    'Devices',
    `<h1>Devices</h1>
${p.error ? `<p class="error" role="alert">${h(p.error)}</p>` : ''}${added}
${
  may
    ? `<form method="post" action="/admin/devices" class="stack">${csrf}
<label for="new-id">Device id (letters, digits, . _ : -)</label><input id="new-id" name="id" required maxlength="64">
<label for="new-name">Name</label><input id="new-name" name="name" maxlength="200">
<label for="new-site">Site</label><input id="new-site" name="site" maxlength="200">
<button type="submit">Add device</button>
</form>`
    : ''
}
<h2>Registered</h2>
<table class="devices"><thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">Site</th><th scope="col"><span class="sr">Actions</span></th></tr></thead>
<tbody>${rows || '<tr><td colspan="4">none</td></tr>'}</tbody></table>`,
    session,
  );
}
