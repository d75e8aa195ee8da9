import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_NAME_BUDGETS } from '../../store/index.ts';
import type { ReportV1 } from '../../contract/index.ts';
import { sampleReport } from '../../test-support/records.ts';
import { admitKind, budgetsOf, decodeAdmission, influxDurationMs, namesOf } from './name-budget.ts';
import { floatText } from './line-protocol.ts';
import { latestMetrics } from './report-events.ts';
import { nextLive } from '../hot-path/live-merge.ts';

const NOW = Date.UTC(2026, 0, 1, 12);

describe('name budgets', () => {
  it('collects the distinct names of each kind a report uses', () => {
    const n = namesOf(sampleReport('d', { iface: 'wanx', target: '198.51.100.7', baseMs: NOW }));
    assert.ok(n.iface.has('wanx'));
    assert.ok(n.target.has('198.51.100.7'));
    assert.ok(n.policy.size >= 1);
  });

  it('defaults are 32 interfaces, 16 targets, 32 policies; an admin overrides kind by kind', () => {
    assert.deepEqual(DEFAULT_NAME_BUDGETS, { iface: 32, target: 16, policy: 32 });
    assert.deepEqual(budgetsOf(undefined), DEFAULT_NAME_BUDGETS);
    assert.deepEqual(budgetsOf({ nameBudgets: { target: 64 } }), { iface: 32, target: 64, policy: 32 });
  });

  it('admission truth table', () => {
    // used, new for the device, budget, fleet in use, new for the fleet, fleet limit
    const table: Array<[Parameters<typeof admitKind>, ReturnType<typeof admitKind>]> = [
      [[32, 0, 32, 99_999, 0, 90_000], 'ok'],
      [[30, 2, 32, 10, 2, 90_000], 'ok'],
      [[31, 2, 32, 10, 2, 90_000], 'budget'],
      [[31, 2, 32, 90_000, 2, 90_000], 'budget'],
      [[0, 1, 32, 90_000, 1, 90_000], 'fleet'],
      [[0, 1, 32, 90_000, 0, 90_000], 'ok'], // another device's name: no new tag value
    ];
    for (const [args, want] of table) assert.equal(admitKind(...args), want, JSON.stringify(args));
  });

  it('decodes the admission script replies', () => {
    assert.deepEqual(decodeAdmission([0]), { ok: true });
    assert.deepEqual(decodeAdmission([1, 2, 16, 16, 'x']), {
      ok: false,
      why: 'budget',
      kind: 'target',
      used: 16,
      limit: 16,
      name: 'x',
    });
    assert.deepEqual(decodeAdmission([2, 1, 90_000, 90_000, 'w']), {
      ok: false,
      why: 'fleet',
      kind: 'iface',
      inUse: 90_000,
      limit: 90_000,
      name: 'w',
    });
  });

  it('reads InfluxQL retention durations', () => {
    assert.equal(influxDurationMs('30d'), 30 * 86_400_000);
    assert.equal(influxDurationMs('1w2d3h'), 9 * 86_400_000 + 3 * 3_600_000);
    assert.equal(influxDurationMs('INF'), Number.POSITIVE_INFINITY);
    assert.throws(() => influxDurationMs('30 days'));
  });
});

describe('numbers as InfluxDB line protocol takes them', () => {
  it('every float is a float literal without "1e+21.0"', () => {
    assert.equal(floatText(5), '5.0');
    assert.equal(floatText(0.25), '0.25');
    assert.equal(floatText(1e21), '1e+21');
    assert.equal(floatText(1e-7), '1e-7');
    assert.equal(floatText(-3), '-3.0');
  });
});

describe('names that are Object.prototype keys', () => {
  const report = (iface: string): ReportV1 => sampleReport('d', { iface, baseMs: NOW - 10_000 });
  for (const iface of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    it(`"${iface}" is an interface like any other in the live state`, () => {
      const m = latestMetrics(report(iface));
      assert.ok(Object.keys(m).includes(iface), `latestMetrics keys ${JSON.stringify(Object.keys(m))}`);
      const live = nextLive(undefined, report(iface), NOW);
      assert.ok(Object.keys(live.ifaces).includes(iface));
      assert.ok(JSON.stringify(live.ifaces).includes(JSON.stringify(iface)));
      // Merged again from its JSON form, as the next report does.
      const again = nextLive(JSON.parse(JSON.stringify(live)) as typeof live, report(iface), NOW + 1);
      assert.equal(again.ifaces[iface]?.state, live.ifaces[iface]?.state);
      assert.equal(typeof again.ifaces[iface]?.timeMs, 'number');
    });
  }
});
