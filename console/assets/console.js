/* global document, window, setInterval, EventSource, requestAnimationFrame */
// wanwatch web console: live board updates over Server-Sent Events, client-side filter, ages.
// Rows arrive rendered (and escaped) by the server; this file only places them. Updates are
// patched row by row (never the whole table) and applied once per animation frame, so a busy
// fleet costs the browser a few row swaps per frame, not a re-render.
'use strict';
(function () {
  const RANK = ['unreachable', 'all-down', 'link-down', 'degraded', 'flapping', 'never', 'ok'];
  const board = document.getElementById('board');
  if (!board) return;
  const tbody = board.tBodies[0];
  const status = document.getElementById('live-status');
  const q = document.getElementById('q');
  const site = document.getElementById('site');
  const byId = new Map();
  for (const tr of tbody.rows) byId.set(tr.dataset.id, tr);

  function key(tr) {
    return [RANK.indexOf(tr.dataset.attention), tr.dataset.site || '', tr.dataset.id];
  }
  function before(x, y) {
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] < y[i];
    return false;
  }
  function filterState() {
    return { text: q && q.value ? q.value.trim().toLowerCase() : '', site: site && site.value ? site.value : '' };
  }
  function visible(tr, f) {
    return (!f.site || tr.dataset.site === f.site) && (!f.text || tr.dataset.search.includes(f.text));
  }
  const counts = Object.create(null);
  for (const tr of tbody.rows) counts[tr.dataset.attention] = (counts[tr.dataset.attention] || 0) + 1;
  function showCounts() {
    for (const el of document.querySelectorAll('[data-count]')) el.textContent = String(counts[el.dataset.count] || 0);
  }
  // Binary search over the rows (kept sorted) for the first row that sorts after `k`.
  function nextRow(k) {
    const rows = tbody.rows;
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(k, key(rows[mid]))) hi = mid;
      else lo = mid + 1;
    }
    return lo < rows.length ? rows[lo] : null;
  }
  function apply(msg, f) {
    const tpl = document.createElement('template');
    tpl.innerHTML = msg.html.trim();
    const fresh = tpl.content.firstElementChild;
    const old = byId.get(msg.id);
    if (old) {
      counts[old.dataset.attention]--;
      old.remove();
    }
    counts[fresh.dataset.attention] = (counts[fresh.dataset.attention] || 0) + 1;
    fresh.hidden = !visible(fresh, f);
    tbody.insertBefore(fresh, nextRow(key(fresh)));
    byId.set(msg.id, fresh);
  }
  let queue = [];
  function flush() {
    const batch = queue;
    queue = [];
    const f = filterState();
    // The last message of a device in a frame wins.
    const last = new Map();
    for (const m of batch) last.set(m.id, m);
    for (const m of last.values()) apply(m, f);
    showCounts();
  }
  function enqueue(list) {
    if (queue.length === 0) requestAnimationFrame(flush);
    for (const m of list) queue.push(m);
  }
  function filter() {
    const f = filterState();
    for (const tr of tbody.rows) {
      const hide = !visible(tr, f);
      if (tr.hidden !== hide) tr.hidden = hide;
    }
  }
  if (q) q.addEventListener('input', filter);
  if (site) site.addEventListener('change', filter);

  function age(ms) {
    const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    if (s < 120) return s + ' s ago';
    if (s < 7200) return Math.round(s / 60) + ' min ago';
    if (s < 172800) return Math.round(s / 3600) + ' h ago';
    return Math.round(s / 86400) + ' d ago';
  }
  setInterval(function () {
    for (const td of tbody.querySelectorAll('td.age[data-seen]')) {
      if (td.dataset.seen) {
        const text = age(Number(td.dataset.seen));
        if (td.textContent !== text) td.textContent = text;
      }
    }
  }, 5000);

  if (!('EventSource' in window)) return;
  const es = new EventSource(board.dataset.live);
  es.addEventListener('rows', function (ev) {
    enqueue(JSON.parse(ev.data));
  });
  es.onopen = function () {
    status.textContent = 'live updates: on';
    document.body.dataset.live = 'on';
  };
  es.onerror = function () {
    status.textContent = 'live updates: reconnecting';
    document.body.dataset.live = 'off';
  };
})();
