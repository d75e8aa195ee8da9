/* global document, window, setInterval, EventSource */
// wanwatch web console: live board updates over Server-Sent Events, client-side filter, ages.
// Rows arrive rendered (and escaped) by the server; this file only places them.
'use strict';
(function () {
  const RANK = ['unreachable', 'all-down', 'link-down', 'degraded', 'never', 'ok'];
  const board = document.getElementById('board');
  if (!board) return;
  const tbody = board.tBodies[0];
  const status = document.getElementById('live-status');
  const q = document.getElementById('q');
  const site = document.getElementById('site');

  function key(tr) {
    return [RANK.indexOf(tr.dataset.attention), tr.dataset.site || '', tr.dataset.id];
  }
  function before(a, b) {
    const x = key(a);
    const y = key(b);
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] < y[i];
    return false;
  }
  function visible(tr) {
    const text = q && q.value ? q.value.trim().toLowerCase() : '';
    const s = site && site.value ? site.value : '';
    return (!s || tr.dataset.site === s) && (!text || tr.dataset.search.includes(text));
  }
  function counts() {
    const n = Object.create(null);
    for (const tr of tbody.rows) n[tr.dataset.attention] = (n[tr.dataset.attention] || 0) + 1;
    for (const el of document.querySelectorAll('[data-count]')) el.textContent = String(n[el.dataset.count] || 0);
  }
  function place(tr) {
    let next = null;
    for (const other of tbody.rows)
      if (other !== tr && before(tr, other)) {
        next = other;
        break;
      }
    if (tr.nextElementSibling !== next) tbody.insertBefore(tr, next);
  }
  function onRow(ev) {
    const msg = JSON.parse(ev.data);
    const tpl = document.createElement('template');
    tpl.innerHTML = msg.html.trim();
    const fresh = tpl.content.firstElementChild;
    let old = null;
    for (const tr of tbody.rows)
      if (tr.dataset.id === msg.id) {
        old = tr;
        break;
      }
    if (old) old.replaceWith(fresh);
    else tbody.appendChild(fresh);
    fresh.hidden = !visible(fresh);
    place(fresh);
    counts();
  }
  function filter() {
    for (const tr of tbody.rows) tr.hidden = !visible(tr);
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
    for (const td of document.querySelectorAll('td.age[data-seen]')) {
      if (td.dataset.seen) td.textContent = age(Number(td.dataset.seen));
    }
  }, 5000);

  if (!('EventSource' in window)) return;
  const es = new EventSource(board.dataset.live);
  es.addEventListener('row', onRow);
  es.onopen = function () {
    status.textContent = 'live updates: on';
    document.body.dataset.live = 'on';
  };
  es.onerror = function () {
    status.textContent = 'live updates: reconnecting';
    document.body.dataset.live = 'off';
  };
})();
