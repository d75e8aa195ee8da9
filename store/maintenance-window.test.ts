import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MAX_WINDOW_MS,
  activeAt,
  intervals,
  isTimeZone,
  localToUtcMs,
  silencesForDevice,
  weeklyBounds,
} from './maintenance-window.ts';
import type { Silence, WeeklyWindow } from './redis-keys.ts';

const iso = (s: string) => Date.parse(s);
const weekly = (w: Partial<WeeklyWindow>): Pick<Silence, 'startMs' | 'endMs' | 'weekly'> => ({
  startMs: 0,
  endMs: MAX_WINDOW_MS,
  weekly: {
    days: ['sun'],
    start: '02:00',
    durationMin: 60,
    timeZone: 'Europe/Berlin',
    firstDate: '2026-01-01',
    lastDate: null,
    ...w,
  },
});
const show = (xs: { startMs: number; endMs: number }[]) =>
  xs.map((x) => `${new Date(x.startMs).toISOString()}/${new Date(x.endMs).toISOString()}`);

describe('localToUtcMs (Intl, DST)', () => {
  it('an ordinary local time, summer and winter, Berlin and New York', () => {
    assert.equal(localToUtcMs('Europe/Berlin', iso('2026-01-10T08:00Z')), iso('2026-01-10T07:00Z'));
    assert.equal(localToUtcMs('Europe/Berlin', iso('2026-07-10T08:00Z')), iso('2026-07-10T06:00Z'));
    assert.equal(localToUtcMs('America/New_York', iso('2026-01-10T08:00Z')), iso('2026-01-10T13:00Z'));
    assert.equal(localToUtcMs('America/New_York', iso('2026-07-10T08:00Z')), iso('2026-07-10T12:00Z'));
  });
  it('a skipped local time (spring forward) lands after the gap', () => {
    // Berlin 2026-03-29: 02:00 CET -> 03:00 CEST; 02:30 does not exist -> 03:30 CEST = 01:30Z.
    assert.equal(localToUtcMs('Europe/Berlin', iso('2026-03-29T02:30Z')), iso('2026-03-29T01:30Z'));
    // New York 2026-03-08: 02:00 EST -> 03:00 EDT; 02:30 -> 03:30 EDT = 07:30Z.
    assert.equal(localToUtcMs('America/New_York', iso('2026-03-08T02:30Z')), iso('2026-03-08T07:30Z'));
  });
  it('a repeated local time (fall back) is its first pass', () => {
    // Berlin 2026-10-25: 02:30 CEST (00:30Z) and 02:30 CET (01:30Z).
    assert.equal(localToUtcMs('Europe/Berlin', iso('2026-10-25T02:30Z')), iso('2026-10-25T00:30Z'));
    // New York 2026-11-01: 01:30 EDT (05:30Z) and 01:30 EST (06:30Z).
    assert.equal(localToUtcMs('America/New_York', iso('2026-11-01T01:30Z')), iso('2026-11-01T05:30Z'));
  });
  it('knows zone names', () => {
    assert.equal(isTimeZone('Europe/Berlin'), true);
    assert.equal(isTimeZone('Mars/Olympus'), false);
  });
});

describe('intervals and activeAt', () => {
  it('one-off: [startMs, endMs) clipped to the period', () => {
    const s = { startMs: 100, endMs: 200, weekly: null };
    assert.deepEqual(intervals(s, 0, 1000), [{ startMs: 100, endMs: 200 }]);
    assert.deepEqual(intervals(s, 150, 1000), [{ startMs: 150, endMs: 200 }]);
    assert.deepEqual(intervals(s, 200, 1000), []);
    assert.equal(activeAt(s, 100), true);
    assert.equal(activeAt(s, 199), true);
    assert.equal(activeAt(s, 200), false);
    assert.equal(activeAt(s, 99), false);
  });

  it('weekly on Sundays 02:00 Berlin for 1 h, across both DST changes', () => {
    const s = weekly({});
    // Winter: 02:00 CET = 01:00Z. Spring-forward day: 02:00 does not exist -> 03:00 CEST = 01:00Z.
    // Summer: 02:00 CEST = 00:00Z. Fall-back day: first 02:00 (CEST) = 00:00Z.
    assert.deepEqual(show(intervals(s, iso('2026-03-21T00:00Z'), iso('2026-04-06T00:00Z'))), [
      '2026-03-22T01:00:00.000Z/2026-03-22T02:00:00.000Z',
      '2026-03-29T01:00:00.000Z/2026-03-29T02:00:00.000Z',
      '2026-04-05T00:00:00.000Z/2026-04-05T01:00:00.000Z',
    ]);
    assert.deepEqual(show(intervals(s, iso('2026-10-17T00:00Z'), iso('2026-11-02T00:00Z'))), [
      '2026-10-18T00:00:00.000Z/2026-10-18T01:00:00.000Z',
      '2026-10-25T00:00:00.000Z/2026-10-25T01:00:00.000Z',
      '2026-11-01T01:00:00.000Z/2026-11-01T02:00:00.000Z',
    ]);
    assert.equal(activeAt(s, iso('2026-04-05T00:30Z')), true);
    assert.equal(activeAt(s, iso('2026-04-05T01:00Z')), false);
    assert.equal(activeAt(s, iso('2026-04-06T00:30Z')), false); // a Monday
  });

  it('New York: a window crossing midnight over the DST change keeps its elapsed length', () => {
    // Saturdays 23:00 local for 5 h; 2026-03-07 23:00 EST = 04:00Z, +5 h = 09:00Z (05:00 EDT).
    const s = weekly({ days: ['sat'], start: '23:00', durationMin: 300, timeZone: 'America/New_York' });
    assert.deepEqual(show(intervals(s, iso('2026-03-07T00:00Z'), iso('2026-03-16T00:00Z'))), [
      '2026-03-08T04:00:00.000Z/2026-03-08T09:00:00.000Z',
      '2026-03-15T03:00:00.000Z/2026-03-15T08:00:00.000Z',
    ]);
    // Sunday 03:00 local in the middle of the first window (after the clocks went forward).
    assert.equal(activeAt(s, iso('2026-03-08T07:00Z')), true);
  });

  it('a window crossing the week end (Sunday 22:00 + 4 h) reaches into Monday and from a period starting inside it', () => {
    const s = weekly({ days: ['sun'], start: '22:00', durationMin: 240, timeZone: 'UTC' });
    assert.deepEqual(show(intervals(s, iso('2026-06-08T00:00Z'), iso('2026-06-09T00:00Z'))), [
      '2026-06-08T00:00:00.000Z/2026-06-08T02:00:00.000Z',
    ]);
    assert.equal(activeAt(s, iso('2026-06-08T01:59Z')), true);
    assert.equal(activeAt(s, iso('2026-06-08T02:00Z')), false);
  });

  it('several days merge when windows overlap; first and last dates bound the starts', () => {
    const s = weekly({
      days: ['mon', 'tue'],
      start: '12:00',
      durationMin: 1500,
      timeZone: 'UTC',
      firstDate: '2026-06-08',
      lastDate: '2026-06-15',
    });
    assert.deepEqual(show(intervals(s, iso('2026-06-01T00:00Z'), iso('2026-06-30T00:00Z'))), [
      '2026-06-08T12:00:00.000Z/2026-06-10T13:00:00.000Z',
      '2026-06-15T12:00:00.000Z/2026-06-16T13:00:00.000Z',
    ]);
    assert.deepEqual(weeklyBounds(s.weekly!), { startMs: iso('2026-06-08T00:00Z'), endMs: iso('2026-06-16T13:00Z') });
    assert.equal(activeAt(s, iso('2026-06-01T12:30Z')), false); // before the first date
  });

  it('an empty or reversed period has nothing', () => {
    assert.deepEqual(intervals(weekly({}), 10, 10), []);
    assert.deepEqual(intervals({ startMs: 0, endMs: 100, weekly: null }, 50, 10), []);
  });
});

describe('silencesForDevice', () => {
  const base = { v: 2, startMs: 0, endMs: 1, weekly: null, comment: '', createdBy: 'x', createdAtMs: 0 } as const;
  const all: Silence[] = [
    { ...base, id: 'dev', deviceId: 'a', site: null, iface: null },
    { ...base, id: 'site', deviceId: null, site: 'berlin', iface: null },
    { ...base, id: 'fleet', deviceId: null, site: null, iface: null },
  ];
  it('device, site and fleet scope', () => {
    assert.deepEqual(
      silencesForDevice(all, 'a', 'berlin').map((s) => s.id),
      ['dev', 'site', 'fleet'],
    );
    assert.deepEqual(
      silencesForDevice(all, 'b', null).map((s) => s.id),
      ['fleet'],
    );
    assert.deepEqual(
      silencesForDevice(all, 'b', 'paris').map((s) => s.id),
      ['fleet'],
    );
  });
});
