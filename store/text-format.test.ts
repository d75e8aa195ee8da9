import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeHtml, formatDuration, formatPct, formatTime, isoTime, terminalSafe } from './text-format.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('store/text-format: one format for emails, reports and the CLI', () => {
  const durations: Array<[number | null, string]> = [
    [null, '—'],
    [0, '0s'],
    [250, '0.250s'],
    [1, '0.001s'],
    [5 * S, '5s'],
    [7 * S + 4, '7.004s'],
    [9 * S + 999, '9.999s'],
    [10 * S + 250, '10s'],
    [34 * S + 353, '34s'],
    [59 * S + 999, '59s'],
    [M, '1m 00s'],
    [M + 999, '1m 00s'],
    [2 * M + 3 * S, '2m 03s'],
    [20 * M, '20m 00s'],
    [H + 1, '1h 00m 00s'],
    [3 * H + 4 * M, '3h 04m 00s'],
    [2 * D + 3 * H + 4 * M + 5 * S, '2d 03h 04m 05s'],
    [400 * D, '400d 00h 00m 00s'],
    [-90 * S, '-1m 30s'],
    [-250, '-0.250s'],
  ];
  for (const [ms, shown] of durations) {
    it(`formatDuration(${ms}) = ${shown}`, () => assert.equal(formatDuration(ms), shown));
  }

  const T = Date.UTC(2026, 0, 5);
  const times: Array<[number, string]> = [
    [T, '2026-01-05 00:00:00 UTC'],
    [T + 5, '2026-01-05 00:00:00.005 UTC'],
    [T + 13 * H + 7 * S, '2026-01-05 13:00:07 UTC'],
  ];
  for (const [ms, shown] of times) {
    it(`formatTime(${ms}) = ${shown}`, () => assert.equal(formatTime(ms), shown));
  }

  it('isoTime, formatPct, escapeHtml, terminalSafe', () => {
    assert.equal(isoTime(T), '2026-01-05T00:00:00.000Z');
    assert.equal(formatPct(99.9), '99.900 %');
    assert.equal(formatPct(null), 'n/a');
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    assert.equal(terminalSafe('wan\x1b[2J\u202e'), 'wan\\x1b[2J\\u202e');
  });
});
