import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_WINDOW_MS, type DeviceRecord, type Silence } from '../store/index.ts';
import { createUptimeService } from './uptime-service.ts';
import type { DeviceHistory } from './adapters/influx-history.ts';

const iso = (s: string) => Date.parse(s);
const FROM = iso('2026-03-21T00:00:00Z');
const TO = iso('2026-04-04T00:00:00Z');
const HOUR = 3_600_000;

const device = (id: string, site: string | null) => ({ id, name: id, site }) as unknown as DeviceRecord;
/** wan online from before the period, reported by the same run, never changed. */
const history = (): DeviceHistory => ({
  transitions: [
    { timeMs: FROM - HOUR, iface: 'wan', from: 'unknown', to: 'online', reason: 'start', bootId: 'b1', seq: 1 },
  ],
  deviceStates: [],
});
/** Sundays 02:00 Berlin for 2 h, for the site `berlin`: 2026-03-22 (CET) and 2026-03-29 (the DST change). */
const weekly: Silence = {
  v: 2,
  id: 'sil-weekly',
  deviceId: null,
  site: 'berlin',
  iface: null,
  startMs: iso('2026-01-01T00:00:00Z'),
  endMs: MAX_WINDOW_MS,
  weekly: {
    days: ['sun'],
    start: '02:00',
    durationMin: 120,
    timeZone: 'Europe/Berlin',
    firstDate: '2026-01-01',
    lastDate: null,
  },
  comment: '',
  createdBy: 't',
  createdAtMs: 0,
};

describe('uptime service: maintenance time from weekly windows', () => {
  const service = (silences: Silence[]) =>
    createUptimeService({
      nowMs: () => TO + HOUR,
      history: {
        load: async () =>
          new Map([
            ['a', history()],
            ['b', history()],
          ]),
      },
      registry: {
        device: async (id) => (id === 'a' ? device('a', 'berlin') : device('b', 'paris')),
        devices: async () => [device('a', 'berlin'), device('b', 'paris')],
        silences: async () => silences,
      },
    });

  it('counts only the occurrences inside the period, for the site’s devices only', async () => {
    const a = await service([weekly]).device('a', FROM, TO);
    assert.equal(a.internet.maintenanceMs, 4 * HOUR);
    assert.equal(a.internet.onlineMs + a.internet.maintenanceMs, TO - FROM);
    const b = await service([weekly]).device('b', FROM, TO);
    assert.equal(b.internet.maintenanceMs, 0);
  });

  it('a one-off silence stored before weekly windows still counts', async () => {
    const oneOff = { ...weekly, site: null, deviceId: 'b', weekly: null, startMs: FROM, endMs: FROM + HOUR };
    const b = await service([oneOff]).device('b', FROM, TO);
    assert.equal(b.internet.maintenanceMs, HOUR);
  });
});
