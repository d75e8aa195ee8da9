import { h } from './layout.ts';

/** `GET /tokens` as the admin page shows it: never a token nor its hash. */
export interface TokenList {
  tokens: Array<{ id: string; name: string; role: string; createdAtMs: number; lastUsedMs: number | null }>;
}

/** A token just created: its secret is in this one answer only. */
export interface NewToken {
  name: string;
  role: string;
  token: string;
}

const iso = (ms: number | null) => (ms === null ? 'never' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));

/** API tokens with roles (docs/api.md, "Tokens and roles"): list, create (shown once), revoke. */
export function renderTokens(list: TokenList | undefined, created: NewToken | undefined, csrf: string): string {
  if (!list) return '<p class="error">The tokens could not be read.</p>';
  const shown = created
    ? `<section class="added" aria-labelledby="token-h"><h3 id="token-h">Token ${h(created.name)} (${h(created.role)}) created</h3>
<p>It is shown only now: copy it.</p><pre class="install" data-token>${h(created.token)}</pre></section>`
    : '';
  const rows = list.tokens
    .map(
      (
        t,
      ) => `<tr data-token-id="${h(t.id)}"><td>${h(t.name)}</td><td>${h(t.role)}</td><td>${iso(t.createdAtMs)}</td><td>${iso(t.lastUsedMs)}</td>
<td><form method="post" action="/admin/tokens/${encodeURIComponent(t.id)}/revoke">${csrf}<button type="submit">Revoke token ${h(t.name)}</button></form></td></tr>`,
    )
    .join('');
  return `${shown}<table class="tokens"><thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"><span class="sr">Actions</span></th></tr></thead>
<tbody>${rows || '<tr><td colspan="5">none</td></tr>'}</tbody></table>
<form method="post" action="/admin/tokens" class="stack">${csrf}
<label for="tok-name">Token name</label><input id="tok-name" name="name" required maxlength="100">
<label for="tok-role">Token role</label><select id="tok-role" name="role"><option>viewer</option><option>operator</option><option>admin</option></select>
<button type="submit">Create token</button>
</form>`;
}
