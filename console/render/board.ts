import { ATTENTIONS, attentionTone } from '../core/attention.ts';
import { countByAttention, searchText, type BoardFilter, type BoardRow } from '../core/board.ts';
import { ageText, h, layout, type PageSession } from './layout.ts';

const LABEL: Record<BoardRow['attention'], string> = {
  unreachable: 'unreachable',
  'all-down': 'all links down',
  'link-down': 'link down',
  degraded: 'degraded',
  flapping: 'flapping',
  never: 'never reported',
  ok: 'ok',
};

/** One `<tr>`; also sent alone over the live stream when the device changes. `maintenance`: a window is in force. */
export function renderRow(r: BoardRow, nowMs: number, maintenance = false): string {
  const links = r.links
    .map(
      (l) =>
        `<span class="link s-${h(l.state)}${l.flapping ? ' flap' : ''}">${h(l.iface)}: ${h(l.state)}${l.flapping ? ', flapping' : ''}</span>`,
    )
    .join(' ');
  const split = r.split.map((s) => `${h(s.iface)} ${h(Math.round(s.sharePct))} %`).join(' / ');
  return `<tr class="row ${attentionTone(r.attention)}" data-id="${h(r.id)}" data-attention="${r.attention}" data-site="${h(r.site ?? '')}" data-search="${h(searchText(r))}">
<td><a href="/device/${encodeURIComponent(r.id)}">${h(r.name)}</a><div class="sub">${h(r.id)}</div></td>
<td>${h(r.site ?? '')}</td>
<td><span class="badge">${LABEL[r.attention]}</span>${maintenance ? ' <span class="badge maint">maintenance</span>' : ''}</td>
<td>${links || '<span class="sub">no links yet</span>'}</td>
<td>${split || '–'}</td>
<td class="age" data-seen="${r.lastSeenMs ?? ''}">${ageText(r.lastSeenMs, nowMs)}</td>
</tr>`;
}

export function renderBoard(
  rows: BoardRow[],
  all: BoardRow[],
  filter: BoardFilter,
  nowMs: number,
  session: PageSession,
  maintenance: ReadonlySet<string> = new Set(),
): string {
  const counts = countByAttention(all);
  const sites = [...new Set(all.map((r) => r.site).filter((s): s is string => !!s))].sort();
  const countList = ATTENTIONS.map(
    (a) =>
      `<li class="${attentionTone(a)}"><span class="n" data-count="${a}">${counts.get(a) ?? 0}</span> ${LABEL[a]}</li>`,
  ).join('');
  const siteOptions = sites
    .map((s) => `<option value="${h(s)}"${s === filter.site ? ' selected' : ''}>${h(s)}</option>`)
    .join('');
  return layout(
    'Fleet',
    `<h1>Fleet <span class="sub">${all.length} devices</span></h1>
<ul class="counts" aria-label="Devices by state">${countList}</ul>
<form class="filters" method="get" action="/" role="search">
<label for="site">Site</label>
<select id="site" name="site"><option value="">all sites</option>${siteOptions}</select>
<label for="q">Search</label>
<input id="q" name="q" type="search" value="${h(filter.q ?? '')}">
<button type="submit">Filter</button>
</form>
<p class="live-status sub" id="live-status" aria-live="polite">live updates: connecting</p>
<table class="board" id="board" data-live="/live">
<thead><tr><th scope="col">Device</th><th scope="col">Site</th><th scope="col">State</th><th scope="col">Links</th><th scope="col">Traffic split</th><th scope="col">Last seen</th></tr></thead>
<tbody>
${rows.map((r) => renderRow(r, nowMs, maintenance.has(r.id))).join('\n')}
</tbody></table>`,
    session,
  );
}
