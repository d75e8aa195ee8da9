import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalQuery, signLink, verifyLink } from './signed-links.ts';
import { linkMaker } from './share-links.ts';

const KEY = Buffer.alloc(32, 7);
const OTHER_KEY = Buffer.alloc(32, 8);
const NOW = Date.UTC(2026, 10, 30, 12);
const EXP = NOW + 3_600_000;

/** The path and query of a signed URL as the server sees them. */
function parts(url: string): [string, Array<[string, string]>] {
  const u = new URL(url, 'http://x');
  return [u.pathname, [...u.searchParams]];
}
const signed = signLink(
  KEY,
  '/share/devices/shop-1/uptime',
  [
    ['from', '-7d'],
    ['format', 'csv'],
  ],
  EXP,
);
const [path, query] = parts(signed);
const swap = (q: Array<[string, string]>, k: string, v: string): Array<[string, string]> =>
  q.map(([a, b]) => [a, a === k ? v : b]);

describe('store/signed-links: HMAC over path and canonical query, expiring', () => {
  it('the canonical query leaves out sig and sorts by name, then value', () => {
    assert.equal(
      canonicalQuery([
        ['to', 'now'],
        ['sig', 'x'],
        ['from', '-7d'],
        ['a', '2'],
        ['a', '1'],
      ]),
      'a=1&a=2&from=-7d&to=now',
    );
    assert.equal(canonicalQuery([['tz', 'Europe/Lisbon']]), 'tz=Europe%2FLisbon');
  });

  const rows: Array<[string, string, Array<[string, string]>, number, Buffer, string]> = [
    ['the link as made', path, query, NOW, KEY, 'ok'],
    ['a second before it expires', path, query, EXP - 1000, KEY, 'ok'],
    ['at its expiry', path, query, Math.floor(EXP / 1000) * 1000, KEY, 'link_expired'],
    ['after its expiry', path, query, EXP + 1, KEY, 'link_expired'],
    ['another device', '/share/devices/shop-2/uptime', query, NOW, KEY, 'link_invalid'],
    ['the fleet', '/share/uptime', query, NOW, KEY, 'link_invalid'],
    ['the API path', '/api/v1/devices/shop-1/uptime', query, NOW, KEY, 'link_invalid'],
    ['a changed parameter', path, swap(query, 'from', '-30d'), NOW, KEY, 'link_invalid'],
    ['a later exp', path, swap(query, 'exp', String(Math.floor(EXP / 1000) + 86_400)), NOW, KEY, 'link_invalid'],
    ['a forged exp after expiry', path, swap(query, 'exp', '99999999999'), EXP + 1, KEY, 'link_invalid'],
    ['an added parameter', path, [...query, ['token', 'admin']], NOW, KEY, 'link_invalid'],
    ['a dropped parameter', path, query.filter(([k]) => k !== 'format'), NOW, KEY, 'link_invalid'],
    ['no sig', path, query.filter(([k]) => k !== 'sig'), NOW, KEY, 'link_invalid'],
    ['two sigs', path, [...query, ['sig', query.find(([k]) => k === 'sig')![1]]], NOW, KEY, 'link_invalid'],
    ['a short sig', path, swap(query, 'sig', 'abc'), NOW, KEY, 'link_invalid'],
    ['a changed sig', path, swap(query, 'sig', 'A'.repeat(43)), NOW, KEY, 'link_invalid'],
    ['another server key', path, query, NOW, OTHER_KEY, 'link_invalid'],
  ];
  for (const [name, p, q, nowMs, key, want] of rows)
    it(`${name}: ${want}`, () => {
      const v = verifyLink(key, p, q, nowMs);
      assert.equal(v.ok ? 'ok' : v.code, want);
    });

  it('the order of parameters in the URL does not matter', () => {
    assert.deepEqual(verifyLink(KEY, path, [...query].reverse(), NOW), { ok: true });
  });

  it('a signed exp that is not whole seconds is invalid', () => {
    const bad = signLink(KEY, '/x', [], EXP).replace(/exp=\d+/, 'exp=1.5');
    const [p, q] = parts(bad);
    assert.deepEqual(verifyLink(KEY, p, q, NOW), { ok: false, code: 'link_invalid' });
  });

  it('linkMaker makes absolute links that verify, for reports and acknowledgements', () => {
    const links = linkMaker('https://noc.example.test/', KEY);
    const report = links.report({ deviceId: 'a b', from: '-7d', format: 'html' }, EXP);
    assert.match(
      report,
      /^https:\/\/noc\.example\.test\/share\/devices\/a%20b\/uptime\?exp=\d+&format=html&from=-7d&sig=/,
    );
    const ack = links.ack({ deviceId: 'shop-1', incidentId: 'down:shop-1:eth1:1', by: 'noc@example.test' }, EXP);
    for (const url of [report, ack, links.report({ deviceId: null }, EXP)]) {
      const [p, q] = parts(url);
      assert.deepEqual(verifyLink(KEY, p, q, NOW), { ok: true }, url);
    }
    assert.match(ack, /\/ack\/down%3Ashop-1%3Aeth1%3A1\?by=noc%40example\.test&device=shop-1&exp=/);
  });
});
