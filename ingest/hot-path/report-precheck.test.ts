import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { reportV1Schema } from '../../contract/index.ts';
import { isPlainValidReport } from './report-precheck.ts';
import { sampleReport } from '../../test-support/records.ts';

/** Small changes to a valid report: a field set to an odd value, removed, or an extra field. */
const ODD_VALUES: unknown[] = [
  null,
  undefined,
  -1,
  0,
  1,
  1.5,
  101,
  1e20,
  Number.NaN,
  '',
  'x',
  'a b',
  'x'.repeat(129),
  'online',
  'up',
  'track',
  true,
  [],
  {},
  [{}],
  Date.UTC(2019, 0, 1),
  Date.UTC(2026, 0, 1),
  'wan\ud800',
  '\udc00',
  'a\nb',
  'x\u0085',
  'wan-😀',
  '__proto__',
  1e21,
  3_600_000,
  3_600_001,
  1_000_000,
  1_000_001,
];

function paths(x: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (x === null || typeof x !== 'object') return [prefix];
  const out: Array<Array<string | number>> = [prefix];
  for (const [k, v] of Object.entries(x)) out.push(...paths(v, [...prefix, Array.isArray(x) ? Number(k) : k]));
  return out;
}

function mutate(root: unknown, path: Array<string | number>, how: 'set' | 'delete' | 'extra', value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  if (path.length === 0) return how === 'set' ? value : copy;
  if (copy === null || typeof copy !== 'object') return copy;
  let cur = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) {
    const next = cur[k];
    if (next === null || typeof next !== 'object') return copy; // an earlier change removed this path
    cur = next as Record<string | number, unknown>;
  }
  const last = path[path.length - 1]!;
  if (how === 'set') cur[last] = value;
  else if (how === 'delete') delete cur[last];
  else if (cur[last] && typeof cur[last] === 'object' && !Array.isArray(cur[last]))
    (cur[last] as Record<string, unknown>).extra = value;
  return copy;
}

describe('report precheck (the fast path past zod)', () => {
  // Samples, a transition and a policy record: every record type the precheck knows.
  const base = () => sampleReport('dev-1', { baseMs: Date.UTC(2026, 0, 1) });

  it('takes the everyday report (so the fast path is really used)', () => {
    assert.equal(isPlainValidReport(base()), true);
    assert.equal(isPlainValidReport(JSON.parse(JSON.stringify(base()))), true);
  });

  it('says "valid" only when zod accepts the value unchanged', () => {
    const r0 = base();
    const all = paths(r0);
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom(...all),
            fc.constantFrom('set' as const, 'delete' as const, 'extra' as const),
            fc.constantFrom(...ODD_VALUES),
          ),
          { minLength: 1, maxLength: 3 },
        ),
        (muts) => {
          let r: unknown = r0;
          for (const [p, how, v] of muts) r = mutate(r, p, how, v);
          const json = JSON.stringify(r);
          if (json === undefined) return;
          const value = JSON.parse(json) as unknown;
          if (!isPlainValidReport(value)) return;
          const z = reportV1Schema.safeParse(value);
          assert.ok(z.success, `precheck accepted what zod refuses: ${json}`);
          assert.deepEqual(z.data, value);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('refuses what zod refuses in the everyday shapes', () => {
    const r = base();
    const bad: unknown[] = [
      { ...r, extra: 1 },
      { ...r, records: [] },
      { ...r, records: [r.records[0], r.records[0]] },
      { ...r, records: [{ ...r.records[0], timeMs: 'yesterday' }] },
      { ...r, deviceId: 'bad id' },
      { ...r, records: [{ ...r.records[3], policies: [{ policy: 'p' }] }] },
      { ...r, records: [{ ...r.records[3], policies: 'none' }] },
      { ...r, records: [{ ...r.records[0], iface: 'wan\ud800' }] },
      { ...r, records: [{ ...r.records[0], iface: 'wan\u0000' }] },
      { ...r, records: [{ ...r.records[0], rttAvgMs: 1e21 }] },
      { ...r, records: [{ ...r.records[0], score: 1e300 }] },
    ];
    for (const b of bad) {
      assert.equal(isPlainValidReport(b), false);
      assert.equal(reportV1Schema.safeParse(b).success, false);
    }
  });
});
