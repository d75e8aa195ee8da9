import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseUci, UciParseError, writeUci, uciList, uciString } from './uci.ts';

const SEED = '/work/shared/fixtures/seed';

describe('UCI parser/writer', () => {
  it('parses options, lists, quoting, comments and anonymous sections', () => {
    const pkg = parseUci(
      [
        'package network',
        '# a comment',
        'config globals',
        "\toption packet_steering '1' # trailing comment",
        "config interface 'wan'",
        '\toption device eth0',
        `\toption name "a \\"quoted\\" value"`,
        `\toption glued 'ab'"cd"ef`,
        "\toption hash 'x#y'",
        "\tlist dns '8.8.8.8'",
        '\tlist dns 4.2.2.2',
        "\toption apos 'it'\\''s'",
      ].join('\n'),
    );
    assert.equal(pkg.sections.length, 2);
    const [g, w] = pkg.sections;
    assert.equal(g!.name, undefined);
    assert.equal(uciString(g!, 'packet_steering'), '1');
    assert.equal(w!.name, 'wan');
    assert.equal(uciString(w!, 'device'), 'eth0');
    assert.equal(uciString(w!, 'name'), 'a "quoted" value');
    assert.equal(uciString(w!, 'glued'), 'abcdef');
    assert.equal(uciString(w!, 'hash'), 'x#y');
    assert.deepEqual(uciList(w!, 'dns'), ['8.8.8.8', '4.2.2.2']);
    assert.equal(uciString(w!, 'apos'), "it's");
  });

  it('round-trips: write(parse(x)) parses to the same sections (seed files)', () => {
    for (const f of ['etc-config-mwan3', 'etc-config-network']) {
      const a = parseUci(readFileSync(`${SEED}/${f}`, 'utf8'));
      const b = parseUci(writeUci(a));
      assert.deepEqual(
        b.sections.map((s) => [s.type, s.name, [...s.values]]),
        a.sections.map((s) => [s.type, s.name, [...s.values]]),
      );
    }
    const text = readFileSync(`${SEED}/etc-config-mwan3`, 'utf8');
    assert.equal(writeUci(parseUci(text)), text); // the seed is already in canonical layout
  });

  it('errors name the line', () => {
    const cases: [string, RegExp][] = [
      ["option x '1'", /line 1: option outside of a config section/],
      ["config interface 'wan'\n\toption down '5", /line 2: unterminated single quote/],
      ["config interface 'wan'\n\n\tbogus x y", /line 3: unknown keyword "bogus"/],
      ["config interface 'bad-name'", /line 1: invalid section name/],
      ["config interface 'wan'\n\toption down", /line 2: option "down" without a value/],
      ["config interface 'wan'\n\tlist a '1'\n\toption a '2'", /line 3: option "a" was already given as a list/],
    ];
    for (const [text, re] of cases) {
      assert.throws(
        () => parseUci(text),
        (e: unknown) => e instanceof UciParseError && re.test(e.message),
        text,
      );
    }
  });
});
