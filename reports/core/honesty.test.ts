import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { IFACE_STATES, type IfaceState } from '../../contract/index.ts';
import { parsePeriodQuery } from '../period.ts';
import { computeDeviceUptime } from './compute-uptime.ts';
import { coveragePct } from './figures.ts';
import { computeFleetUptime } from './fleet.ts';
import { degradedWindows, type QualityIn } from './quality.ts';
import { reportPeriod } from './schedule.ts';
import { slaOf } from './sla.ts';
import type { Segment, TransitionIn, UptimeInput } from './types.ts';
import { formatZoned, zonedToUtc } from './zoned-time.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
const FROM = Date.UTC(2026, 0, 5);
const TO = FROM + 60 * MIN;
const at = (min: number) => FROM + Math.round(min * MIN);

let seq = 0;
const tr = (min: number, iface: string, from: IfaceState, to: IfaceState, reason = 'track'): TransitionIn => ({
  timeMs: at(min),
  iface,
  from,
  to,
  reason,
  bootId: 'b',
  seq: ++seq,
});
const q = (min: number, iface: string, source: 'cloud' | 'router', degraded: boolean): QualityIn => ({
  timeMs: at(min),
  iface,
  source,
  degraded,
});
const input = (p: Partial<UptimeInput>): UptimeInput => ({
  deviceId: 'ce-1',
  fromMs: FROM,
  toMs: TO,
  nowMs: TO + HOUR,
  transitions: [],
  deviceStates: [],
  silences: [],
  ...p,
});

describe('degraded time', () => {
  it('counts only inside online time; sources combine without doubling (table)', () => {
    const cases: Array<{
      name: string;
      quality: QualityIn[];
      transitions?: TransitionIn[];
      degradedMin: number;
      count: number;
      longestMin: number;
    }> = [
      { name: 'no verdicts', quality: [], degradedMin: 0, count: 0, longestMin: 0 },
      {
        name: 'cloud 10–20',
        quality: [q(10, 'wan', 'cloud', true), q(20, 'wan', 'cloud', false)],
        degradedMin: 10,
        count: 1,
        longestMin: 10,
      },
      {
        name: 'cloud and router agree, overlapping: counted once',
        quality: [
          q(10, 'wan', 'cloud', true),
          q(12, 'wan', 'router', true),
          q(20, 'wan', 'cloud', false),
          q(25, 'wan', 'router', false),
        ],
        degradedMin: 15,
        count: 1,
        longestMin: 15,
      },
      {
        name: 'degraded before the period, never cleared',
        quality: [q(-5, 'wan', 'router', true)],
        degradedMin: 60,
        count: 1,
        longestMin: 60,
      },
      {
        name: 'link down while degraded: offline time is not degraded',
        quality: [q(10, 'wan', 'cloud', true), q(40, 'wan', 'cloud', false)],
        transitions: [
          tr(-1, 'wan', 'unknown', 'online', 'start'),
          tr(20, 'wan', 'online', 'offline'),
          tr(30, 'wan', 'offline', 'online'),
        ],
        degradedMin: 20,
        count: 2,
        longestMin: 10,
      },
    ];
    for (const c of cases) {
      const r = computeDeviceUptime(
        input({ transitions: c.transitions ?? [tr(-1, 'wan', 'unknown', 'online', 'start')], quality: c.quality }),
      );
      const wan = r.ifaces[0]!;
      assert.equal(wan.degradedMs, c.degradedMin * MIN, c.name);
      assert.equal(wan.degradedCount, c.count, c.name);
      assert.equal(wan.longestDegradedMs, c.longestMin * MIN, c.name);
      assert.equal(wan.availabilityPct, c.transitions ? 83.333 : 100, `${c.name}: availability unchanged`);
      assert.equal(r.internet.degradedMs, c.degradedMin * MIN, `${c.name}: single link = internet`);
    }
  });

  it('the internet is degraded only while no online link is at full quality', () => {
    const r = computeDeviceUptime(
      input({
        transitions: [
          tr(-1, 'a', 'unknown', 'online', 'start'),
          tr(-1, 'b', 'unknown', 'online', 'start'),
          tr(30, 'b', 'online', 'offline'),
        ],
        quality: [q(10, 'a', 'cloud', true), q(50, 'a', 'cloud', false)],
      }),
    );
    // a degraded 10–50; b online until 30 at full quality → internet degraded 30–50.
    assert.equal(r.internet.degradedMs, 20 * MIN);
    assert.equal(r.internet.qualityAvailabilityPct, 66.667);
    assert.equal(r.internet.availabilityPct, 100);
  });

  it('degradedWindows: each source holds its last verdict', () => {
    assert.deepEqual(degradedWindows([q(5, 'x', 'router', false), q(1, 'x', 'router', true)], 'x'), [
      { startMs: at(1), endMs: at(5) },
    ]);
    assert.deepEqual(degradedWindows([q(1, 'y', 'cloud', true)], 'x'), []);
  });
});

describe('coverage', () => {
  const seg = (a: number, b: number, bucket: Segment['bucket']): Segment => ({
    startMs: at(a),
    endMs: at(b),
    bucket,
    measured: bucket === 'maintenance' ? 'online' : bucket,
    unreachable: false,
  });
  it('measured ÷ (period so far − maintenance) (table)', () => {
    const cases: Array<[string, Segment[], number, number | null]> = [
      ['all measured', [seg(0, 30, 'online'), seg(30, 60, 'offline')], TO, 100],
      ['one minute of 7 days', [seg(0, 1, 'online'), seg(1, 7 * 24 * 60, 'unknown')], Infinity, 0.01],
      ['half maintenance', [seg(0, 30, 'maintenance'), seg(30, 60, 'online')], TO, 100],
      ['future is not missing', [seg(0, 60, 'online')], at(30), 100],
      ['half unknown', [seg(0, 30, 'unknown'), seg(30, 60, 'online')], TO, 50],
      ['nothing measurable', [seg(0, 60, 'maintenance')], TO, null],
    ];
    for (const [name, segs, now, want] of cases) assert.equal(coveragePct(segs, now), want, name);
  });

  it('a minute measured in 7 days: availability 100 % but not meaningful', () => {
    const r = computeDeviceUptime(
      input({
        toMs: FROM + 7 * 24 * HOUR,
        nowMs: FROM + 8 * 24 * HOUR,
        transitions: [tr(0, 'wan', 'unknown', 'online', 'start'), tr(1, 'wan', 'online', 'online', 'stop')],
      }),
    );
    assert.equal(r.internet.availabilityPct, 100);
    assert.equal(r.internet.coveragePct, 0.01);
    assert.match(r.internet.availabilityNote ?? '', /only 0.01 % of the period measured \(below 90 %\)/);
    const lenient = computeDeviceUptime(
      input({
        toMs: FROM + 7 * 24 * HOUR,
        nowMs: FROM + 8 * 24 * HOUR,
        transitions: [tr(0, 'wan', 'unknown', 'online', 'start'), tr(1, 'wan', 'online', 'online', 'stop')],
      }),
      { name: null, site: null, minCoveragePct: 0 },
    );
    assert.equal(lenient.internet.availabilityNote, null);
  });
});

describe('SLA and error budget', () => {
  it('met / missed / not judged (table)', () => {
    const S = 1000;
    const cases: Array<[string, number, number, string | null, number | null, boolean | null, number, number]> = [
      ['exactly on target', 999 * S, 1 * S, null, 99.9, true, 1 * S, 0],
      ['one second over', 998 * S, 2 * S, null, 99.9, false, 1 * S, -1 * S],
      ['no downtime', 1000 * S, 0, null, 99.9, true, 1 * S, 1 * S],
      ['low coverage', 1000 * S, 0, 'only 1 %', 99.9, null, 1 * S, 1 * S],
      ['nothing measured', 0, 0, 'nothing measured', 99.9, null, 0, 0],
      ['99 % of 30 days', 30 * 24 * HOUR - 5 * HOUR, 5 * HOUR, null, 99, true, 25_920_000, 7_920_000],
    ];
    for (const [name, onlineMs, offlineMs, note, target, met, allowed, remaining] of cases) {
      const s = slaOf({ onlineMs, offlineMs, availabilityNote: note }, target);
      assert.deepEqual(s, { targetPct: target, met, allowedDowntimeMs: allowed, remainingBudgetMs: remaining }, name);
    }
    assert.equal(slaOf({ onlineMs: 1, offlineMs: 0, availabilityNote: null }, null), null);
  });

  it('the fleet lists missed SLAs first, then worst availability, not meaningful last', () => {
    const dev = (id: string, offlineMin: number, sla: number | null, unknownTo?: number) =>
      computeDeviceUptime(
        input({
          deviceId: id,
          transitions: [
            tr(-1, 'wan', 'unknown', 'online', 'start'),
            tr(0, 'wan', 'online', 'offline'),
            tr(offlineMin, 'wan', 'offline', 'online'),
            ...(unknownTo ? [tr(unknownTo, 'wan', 'online', 'online', 'stop')] : []),
          ],
        }),
        { name: null, site: null, slaTargetPct: sla },
      );
    const f = computeFleetUptime(
      [
        dev('a-ok', 0, null),
        dev('b-bad', 6, null),
        dev('c-missed', 1, 99),
        dev('d-dark', 0, null, 1),
        dev('e-worse', 12, null),
      ],
      FROM,
      TO,
      TO + HOUR,
    );
    assert.deepEqual(
      f.devices.map((d) => d.deviceId),
      ['c-missed', 'e-worse', 'b-bad', 'a-ok', 'd-dark'],
    );
    assert.equal(f.devices[0]!.sla?.met, false);
    assert.equal(f.internet.degradedMs, 0);
    // Four devices measured the whole hour, d-dark one minute: 241 of 300 minutes.
    assert.equal(f.internet.coveragePct, 80.333);
    assert.match(f.internet.availabilityNote ?? '', /below 90 %/);
  });
});

describe('time zones', () => {
  it('a monthly report in Europe/Berlin over the last Sunday of March covers 743 hours', () => {
    const p = reportPeriod('month', Date.UTC(2026, 3, 1, 6), undefined, 'Europe/Berlin');
    assert.equal(p.fromMs, Date.UTC(2026, 1, 28, 23)); // 1 March 00:00 CET
    assert.equal(p.toMs, Date.UTC(2026, 2, 31, 22)); // 1 April 00:00 CEST
    assert.equal((p.toMs - p.fromMs) / HOUR, 743);
    const r = computeDeviceUptime(
      {
        deviceId: 'berlin',
        ...p,
        nowMs: p.toMs + HOUR,
        transitions: [{ ...tr(0, 'wan', 'unknown', 'online', 'start'), timeMs: p.fromMs - 1 }],
        deviceStates: [],
        silences: [],
      },
      { name: null, site: null, timeZone: 'Europe/Berlin' },
    );
    assert.equal(r.periodMs, 743 * HOUR);
    assert.equal(r.internet.onlineMs, 743 * HOUR);
    assert.equal(formatZoned(r.fromMs, r.timeZone), '2026-03-01 00:00:00 CET');
    assert.equal(formatZoned(r.toMs, r.timeZone), '2026-04-01 00:00:00 CEST');
    // The same period from the API's dates, read on the device's calendar.
    const q = parsePeriodQuery({ from: '2026-03-01', to: '2026-04-01' }, Date.UTC(2026, 5, 1), 'Europe/Berlin');
    assert.deepEqual([q.fromMs, q.toMs], [p.fromMs, p.toMs]);
  });

  it('days are 23 or 25 hours across DST; weeks start on Monday in the zone (table)', () => {
    const cases: Array<[string, number, number]> = [
      ['Europe/Berlin', zonedToUtc('Europe/Berlin', 2026, 3, 30) - zonedToUtc('Europe/Berlin', 2026, 3, 29), 23],
      ['Europe/Berlin', zonedToUtc('Europe/Berlin', 2026, 10, 26) - zonedToUtc('Europe/Berlin', 2026, 10, 25), 25],
      ['America/New_York', zonedToUtc('America/New_York', 2026, 3, 9) - zonedToUtc('America/New_York', 2026, 3, 8), 23],
      ['UTC', zonedToUtc('UTC', 2026, 3, 30) - zonedToUtc('UTC', 2026, 3, 29), 24],
    ];
    for (const [zone, ms, hours] of cases) assert.equal(ms / HOUR, hours, zone);
    const week = reportPeriod('week', Date.UTC(2026, 2, 30, 6), undefined, 'Europe/Berlin');
    assert.equal(formatZoned(week.fromMs, 'Europe/Berlin'), '2026-03-23 00:00:00 CET');
    assert.equal((week.toMs - week.fromMs) / HOUR, 167);
    assert.deepEqual(reportPeriod('month', Date.UTC(2026, 3, 1, 6)), {
      fromMs: Date.UTC(2026, 2, 1),
      toMs: Date.UTC(2026, 3, 1),
    });
  });
});

describe('property: degraded stays inside online', () => {
  const span = 3 * 24 * HOUR;
  const t = fc.integer({ min: FROM - span / 2, max: FROM + span * 1.5 });
  const transition = fc.record({
    timeMs: t,
    iface: fc.constantFrom('eth0', 'eth1'),
    from: fc.constantFrom(...IFACE_STATES),
    to: fc.constantFrom(...IFACE_STATES),
    reason: fc.constantFrom('start', 'track', 'stop', 'ifdown'),
    bootId: fc.constantFrom('b1', 'b2'),
    seq: fc.nat(),
  });
  const verdict: fc.Arbitrary<QualityIn> = fc.record({
    timeMs: t,
    iface: fc.constantFrom('eth0', 'eth1'),
    source: fc.constantFrom('cloud' as const, 'router' as const),
    degraded: fc.boolean(),
  });
  const silence = fc
    .record({ startMs: t, len: fc.nat(span), iface: fc.constantFrom(null, 'eth0') })
    .map((s) => ({ startMs: s.startMs, endMs: s.startMs + s.len, iface: s.iface }));

  it('online + offline + unknown + maintenance = period; 0 ≤ degraded ≤ online; quality ≤ availability', () => {
    fc.assert(
      fc.property(
        fc.array(transition, { maxLength: 30 }),
        fc.array(verdict, { maxLength: 20 }),
        fc.array(silence, { maxLength: 2 }),
        fc.integer({ min: 1, max: span }),
        t,
        (transitions, quality, silences, lenMs, nowMs) => {
          const r = computeDeviceUptime(input({ toMs: FROM + lenMs, nowMs, transitions, quality, silences }));
          for (const f of [r.internet, ...r.ifaces]) {
            assert.equal(f.onlineMs + f.offlineMs + f.unknownMs + f.maintenanceMs, lenMs);
            assert.ok(f.degradedMs >= 0 && f.degradedMs <= f.onlineMs);
            assert.ok(f.longestDegradedMs <= f.degradedMs);
            assert.equal(f.degradedCount === 0, f.degradedMs === 0);
            if (f.availabilityPct !== null) assert.ok(f.qualityAvailabilityPct! <= f.availabilityPct);
            if (f.coveragePct !== null) assert.ok(f.coveragePct >= 0 && f.coveragePct <= 100);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
