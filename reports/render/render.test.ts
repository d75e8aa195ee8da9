import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProblemError } from '../../contract/index.ts';
import { computeDeviceUptime } from '../core/compute-uptime.ts';
import { parsePeriodQuery, parseTime } from '../period.ts';
import { csvField, deviceCsv } from './csv.ts';
import { formatDuration, formatPct, formatTime, ifaceLabel, terminalSafe } from './format.ts';
import { deviceHtml } from './html.ts';
import { deviceText } from './text.ts';

const FROM = Date.UTC(2026, 0, 5);
const report = (iface: string) =>
  computeDeviceUptime(
    {
      deviceId: 'ce-1',
      fromMs: FROM,
      toMs: FROM + 3_600_000,
      nowMs: FROM + 7_200_000,
      transitions: [
        { timeMs: FROM - 1, iface, from: 'unknown', to: 'online', reason: 'start', bootId: 'b', seq: 1 },
        { timeMs: FROM + 600_000, iface, from: 'online', to: 'offline', reason: 'track', bootId: 'b', seq: 2 },
      ],
      deviceStates: [],
      silences: [],
    },
    { name: 'A & B <"shop">', site: null },
  );

describe('formatting', () => {
  it('durations, percentages and times', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(250), '0.250s');
    assert.equal(formatDuration(5_000), '5s');
    assert.equal(formatDuration(20 * 60_000), '20m 00s');
    assert.equal(formatDuration(3_600_000 + 1), '1h 00m 00s');
    assert.equal(formatDuration(2 * 86_400_000 + 3 * 3_600_000 + 4 * 60_000 + 5_000), '2d 03h 04m 05s');
    assert.equal(formatDuration(null), '—');
    assert.equal(formatPct(99.9), '99.900 %');
    assert.equal(formatPct(null), 'n/a');
    assert.equal(formatTime(FROM), '2026-01-05 00:00:00 UTC');
    assert.equal(formatTime(FROM + 5), '2026-01-05 00:00:00.005 UTC');
  });
});

describe('CSV', () => {
  it('quotes per RFC 4180 and keeps odd interface names intact', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField(null), '');
    const csv = deviceCsv(report('wan "1",x'));
    const lines = csv.split('\r\n');
    assert.match(
      lines[2]!,
      /^ce-1,"wan ""1"",x",2026-01-05T00:00:00.000Z,2026-01-05T01:00:00.000Z,600000,3000000,0,0,16.667,1,3000000,3000000,3000000,600000,0,0,0,16.667,100,,,,,UTC,link$/,
    );
    assert.ok(csv.endsWith('\r\n'));
    assert.ok(
      lines.some((l) =>
        l.startsWith(
          'ce-1,"wan ""1"",x",2026-01-05T00:10:00.000Z,2026-01-05T01:00:00.000Z,3000000,link_down,true,false',
        ),
      ),
    );
  });
});

describe('HTML and text', () => {
  it('escapes names, has no script, and shows every figure', () => {
    const html = deviceHtml(report('<img src=x onerror=alert(1)>'));
    assert.doesNotMatch(html, /<script|<img/i);
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(html, /<title>Uptime report — A &amp; B &lt;&quot;shop&quot;&gt;<\/title>/);
    assert.match(html, /data-field="availabilityPct" data-value="16.667">16.667 %</);
    const text = deviceText(report('wan'));
    assert.match(text, /^wan\s+16\.667 %\s+100\.000 %\s+16\.667 %\s+10m 00s\s+0s\s+50m 00s\s+0s\s+0s\s+1\s+50m 00s/m);
    assert.match(text, /open/);
  });
});

describe('period query', () => {
  const now = Date.UTC(2026, 5, 1);
  it('accepts epoch ms, ISO times and dates; defaults to the last 7 days', () => {
    assert.equal(parseTime('2026-01-05'), FROM);
    assert.equal(parseTime('2026-01-05T01:00:00+01:00'), FROM);
    assert.equal(parseTime('2026-01-05T00:00:00'), FROM);
    assert.equal(parseTime(String(FROM)), FROM);
    assert.equal(parseTime('yesterday'), undefined);
    assert.deepEqual(parsePeriodQuery({}, now), {
      fromMs: now - 7 * 86_400_000,
      toMs: now,
      format: 'json',
      timeZone: undefined,
    });
    assert.deepEqual(parsePeriodQuery({ from: '2026-01-05', to: '2026-01-06', format: 'csv' }, now), {
      fromMs: FROM,
      toMs: FROM + 86_400_000,
      format: 'csv',
      timeZone: undefined,
    });
  });
  it('rejects bad values with invalid_query naming the parameter', () => {
    const bad = (q: Record<string, string>) => {
      try {
        parsePeriodQuery(q, now);
      } catch (e) {
        assert.ok(e instanceof ProblemError);
        assert.equal(e.code, 'invalid_query');
        return e.message;
      }
      assert.fail('accepted');
    };
    assert.match(bad({ from: 'soon' })!, /^from:/);
    assert.match(bad({ from: '1999-01-01' })!, /^from:/);
    assert.match(bad({ from: '2026-01-06', to: '2026-01-05' })!, /before/);
    assert.match(bad({ from: '2024-01-01', to: '2026-01-05' })!, /at most 400 days/);
    assert.match(bad({ format: 'pdf' })!, /format/);
    assert.match(bad({ frm: '2026-01-01' })!, /frm|Unrecognized/);
  });
});

/** Whether text holds a character a terminal acts on (other than the newline): C0, DEL, C1, U+202E. */
const hasControl = (s: string) =>
  [...s].some((c) => {
    const n = c.codePointAt(0)!;
    return (n < 0x20 && n !== 0x0a) || (n >= 0x7f && n <= 0x9f) || n === 0x202e;
  });

describe('hostile names in reports', () => {
  it('CSV: text cells a spreadsheet would run as formulas stay text; numbers stay numbers', () => {
    assert.equal(csvField('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
    for (const lead of ['=', '+', '-', '@', '\t', '\r'])
      assert.ok(csvField(`${lead}1`).replace(/^"/, '').startsWith("'"));
    assert.equal(csvField(-1), '-1');
    assert.equal(csvField('wan-1'), 'wan-1');
  });

  it('CSV: rows are told apart by kind, so an interface named (internet) is a link row', () => {
    const csv = deviceCsv(report('(internet)'));
    const rows = csv.split('\r\n').filter((l) => l.startsWith('ce-1,(internet),'));
    assert.equal(rows.filter((l) => l.endsWith(',internet')).length, 2, 'figures + outage of the site');
    assert.equal(rows.filter((l) => l.endsWith(',link')).length, 2, 'figures + outage of the interface');
  });

  it('terminal text shows control characters and bidi overrides as escapes', () => {
    assert.equal(terminalSafe('wan\x1b[2J\x07'), 'wan\\x1b[2J\\x07');
    assert.equal(terminalSafe('a\u202eb\u009bc\rd'), 'a\\u202eb\\x9bc\\x0dd');
    assert.equal(terminalSafe('wan-1 ü'), 'wan-1 ü');
    const text = deviceText(report('wan\x1b]0;pwned\x07'));
    assert.ok(!hasControl(text));
    assert.match(text, /wan\\x1b\]0;pwned\\x07/);
    const named = deviceText({ ...report('wan'), name: 'shop\x1b[31m', site: '\u202eevil' });
    assert.ok(!hasControl(named));
  });

  it('an interface named like a report row is quoted in text and HTML', () => {
    assert.equal(ifaceLabel('internet'), '"internet"');
    assert.equal(ifaceLabel('Internet (any WAN)'), '"Internet (any WAN)"');
    assert.equal(ifaceLabel('wan'), 'wan');
    const text = deviceText(report('internet (any WAN)'));
    assert.match(text, /^"internet \(any WAN\)"/m);
    const html = deviceHtml(report('Internet (any WAN)'));
    assert.equal((html.match(/data-kind="internet"/g) ?? []).length, 1);
  });
});
