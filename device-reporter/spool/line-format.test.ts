import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32Js } from './line-codec.ts';
import { decodeLineWith, encodeLineWith, hex8, parseHex8, type LinePlatform } from './line-format.ts';

const P: LinePlatform = { crc32: crc32Js, quote: (t) => JSON.stringify(t), parse: (t) => JSON.parse(t) as unknown };
const line = (json: string): string => `${crc32Js(json).toString(16).padStart(8, '0')} ${json}`;

describe('spool line format (shared by both builds)', () => {
  it('writes the checksum as 8 lower-case hex digits and reads either case', () => {
    for (const n of [0, 1, 0xabc, 0x7fffffff, 0x80000000, 0xffffffff])
      assert.equal(hex8(n), n.toString(16).padStart(8, '0'));
    assert.equal(parseHex8('DEADbeef'), 0xdeadbeef);
    for (const bad of ['1234567', '123456789', '1234567g', '-1234567', ' 1234567'])
      assert.equal(parseHex8(bad), undefined);
  });

  it('round-trips a line and gives back the record text as written', () => {
    const rec = '{"type":"policy","seq":3,"timeMs":1,"policies":[]}';
    const written = encodeLineWith(P, 'boot-"1"', rec);
    assert.equal(written, `${line(`{"b":"boot-\\"1\\"","r":${rec}}`)}\n`);
    const d = decodeLineWith(P, written.slice(0, -1));
    assert.deepEqual(d, { ok: true, bootId: 'boot-"1"', record: JSON.parse(rec) as unknown, recordJson: rec });
  });

  it('classifies damaged lines (the truth table in line-format.ts)', () => {
    const good = line('{"b":"x","r":{"seq":1}}');
    const cases: [string, string][] = [
      ['short', 'format'],
      [good.replace(' ', '_'), 'format'],
      [`zzzzzzzz${good.slice(8)}`, 'checksum'],
      [good.slice(0, -1), 'checksum'],
      [line('{"b":"x","r":'), 'format'],
      [line('[1]'), 'schema'],
      [line('{"b":1,"r":{}}'), 'schema'],
      [line('{"b":"x","r":"rec"}'), 'schema'],
      [line('{"b":"x","r":null}'), 'schema'],
    ];
    for (const [text, reason] of cases) assert.deepEqual(decodeLineWith(P, text), { ok: false, reason }, text);
    // Valid, but not in the form the spool writes: the record text is for the caller to rebuild.
    assert.deepEqual(decodeLineWith(P, line('{"r":{"seq":1},"b":"x"}')), {
      ok: true,
      bootId: 'x',
      record: { seq: 1 },
      recordJson: undefined,
    });
  });
});
