import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProblemError } from '../contract/index.ts';
import { parseQueryTime, timeRange } from './query-time.ts';

const T = Date.UTC(2026, 0, 5);
const H = 3_600_000;
const DAY = 24 * H;

describe('store/query-time: one reader of from/to for the events API, the uptime API and the CLI', () => {
  const inputs: Array<[string, number | undefined]> = [
    [String(T), T],
    [` ${T} `, T],
    ['2026-01-05', T],
    ['2026-01-05T00:00:00Z', T],
    ['2026-01-05t00:00:00z', T],
    ['2026-01-05T01:00:00+01:00', T],
    ['2026-01-05T01:00:00+0100', T],
    ['2026-01-04T19:00:00-05:00', T],
    ['2026-01-05T00:00:00', T],
    ['2026-01-05 00:00', T],
    ['2026-01-05T00:00:00.250Z', T + 250],
    ['2026-02-30', undefined],
    ['2026-13-01', undefined],
    ['yesterday', undefined],
    ['5/1/2026', undefined],
    ['2026-01-05Tnoon', undefined],
    ['-1', undefined],
    ['1e12', undefined],
    ['', undefined],
  ];
  for (const [input, ms] of inputs) {
    it(`parseQueryTime(${JSON.stringify(input)}) = ${ms}`, () => assert.equal(parseQueryTime(input), ms));
  }

  const rule = { nowMs: T + 10 * DAY, defaultSpanMs: DAY, maxSpanMs: 7 * DAY };
  const ranges: Array<[string, { from?: unknown; to?: unknown }, { fromMs: number; toMs: number } | string]> = [
    ['defaults: to = now, from = to − span', {}, { fromMs: T + 9 * DAY, toMs: T + 10 * DAY }],
    ['empty = absent', { from: '', to: '' }, { fromMs: T + 9 * DAY, toMs: T + 10 * DAY }],
    ['from alone: to = now', { from: '2026-01-10' }, { fromMs: T + 5 * DAY, toMs: T + 10 * DAY }],
    ['to alone: from = to − span', { to: '2026-01-06' }, { fromMs: T, toMs: T + DAY }],
    ['both', { from: String(T), to: '2026-01-05T06:00:00Z' }, { fromMs: T, toMs: T + 6 * H }],
    ['not a time', { to: 'tomorrow' }, 'to'],
    ['epoch seconds (before 2020)', { from: String(T / 1000) }, 'from'],
    ['before 2020', { from: '2019-12-31' }, 'from'],
    ['given twice', { to: ['1', '2'] }, 'to'],
    ['from = to', { from: '2026-01-05', to: '2026-01-05' }, 'from'],
    ['from after to', { from: '2026-01-06', to: '2026-01-05' }, 'from'],
    ['longer than the limit', { from: '2026-01-01', to: '2026-01-15' }, 'to'],
  ];
  for (const [name, query, expected] of ranges) {
    it(`timeRange: ${name}`, () => {
      if (typeof expected !== 'string') return assert.deepEqual(timeRange(query, rule), expected);
      assert.throws(
        () => timeRange(query, rule),
        (err: unknown) =>
          err instanceof ProblemError && err.code === 'invalid_query' && err.errors?.[0]?.path === expected,
      );
    });
  }

  it('epoch seconds get a hint', () => {
    assert.throws(() => timeRange({ from: String(T / 1000) }, rule), /epoch seconds\? give milliseconds/);
  });
});
