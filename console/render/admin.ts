import type { DeviceRecord } from '../../store/index.ts';
import { canWrite, h, layout, type PageSession } from './layout.ts';
import { renderTokens, type NewToken, type TokenList } from './tokens.ts';

export interface NewDevice {
  id: string;
  token: string;
  /** The backend's URL as the browser reached it (for the install line). */
  serverUrl: string;
}

/** `GET /receivers` as the admin page shows it: names and types only (the API redacts secrets). */
export interface ReceiverList {
  source: 'api' | 'file';
  receivers: Array<{ type: string; name: string }>;
}

const RECEIVER_TYPES = ['webhook', 'slack', 'teams', 'telegram', 'pagerduty'];

/** `csrf` undefined: the signed-in role may not change receivers (list only). */
function receiversSection(list: ReceiverList | undefined, csrf: string | undefined): string {
  if (!list) return '<p class="error">The receivers could not be read.</p>';
  const fromFile = list.source === 'file';
  const readOnly = fromFile || csrf === undefined;
  const rows = list.receivers
    .map(
      (r) => `<tr data-receiver="${h(r.name)}"><td>${h(r.name)}</td><td>${h(r.type)}</td>
<td>${readOnly ? '' : `<form method="post" action="/admin/receivers/${encodeURIComponent(r.name)}/remove">${csrf}<button type="submit">Remove receiver ${h(r.name)}</button></form>`}</td></tr>`,
    )
    .join('');
  const add = fromFile
    ? '<p>Receivers are set by <code>WANWATCH_ROUTES_FILE</code>: change them there.</p>'
    : readOnly
      ? ''
      : `<form method="post" action="/admin/receivers" class="stack">${csrf}
<label for="rx-type">Receiver type</label><select id="rx-type" name="type">${RECEIVER_TYPES.map((t) => `<option>${t}</option>`).join('')}</select>
<label for="rx-name">Receiver name (a-z, 0-9, _ and -)</label><input id="rx-name" name="name" required maxlength="64">
<label for="rx-url">URL (webhook, Slack, Teams; optional for PagerDuty and Telegram)</label><input id="rx-url" name="url" type="url" maxlength="2000">
<label for="rx-secret">Webhook signing secret (16 characters or more)</label><input id="rx-secret" name="secret" type="password" autocomplete="off" maxlength="500">
<label for="rx-bot">Telegram bot token</label><input id="rx-bot" name="botToken" type="password" autocomplete="off" maxlength="500">
<label for="rx-chat">Telegram chat id</label><input id="rx-chat" name="chatId" maxlength="100">
<label for="rx-key">PagerDuty routing key</label><input id="rx-key" name="routingKey" type="password" autocomplete="off" maxlength="500">
<button type="submit">Add receiver</button>
</form>`;
  return `<table class="receivers"><thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col"><span class="sr">Actions</span></th></tr></thead>
<tbody>${rows || '<tr><td colspan="3">none</td></tr>'}</tbody></table>
${add}`;
}

/**
 * Devices (add one with its token shown once and the reporter's command line; remove one),
 * chat and paging receivers (add, remove; secrets go in, never come back out), and API tokens
 * (create, shown once; revoke).
 */
export function renderAdmin(
  p: {
    devices: DeviceRecord[];
    added?: NewDevice;
    error?: string;
    receivers?: ReceiverList;
    tokens?: TokenList;
    createdToken?: NewToken;
  },
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
<tbody>${rows || '<tr><td colspan="4">none</td></tr>'}</tbody></table>
<h2 id="receivers">Receivers</h2>
<p>Chat and paging receivers told of every alert (docs/alerts.md, “Receivers and routes”). Secrets are stored and never shown again.</p>
${receiversSection(p.receivers, canWrite(session, '/admin/receivers') ? csrf : undefined)}
${
  canWrite(session, '/admin/tokens')
    ? `<h2 id="tokens">API tokens</h2>
<p>Tokens for scripts and wall screens: <code>viewer</code> reads, <code>operator</code> also silences, acknowledges and edits receivers, <code>admin</code> does everything.</p>
${renderTokens(p.tokens, p.createdToken, csrf)}`
    : ''
}`,
    session,
  );
}
