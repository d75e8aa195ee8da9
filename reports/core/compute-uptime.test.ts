import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { IFACE_STATES, type IfaceState } from '../../contract/index.ts';
import { computeDeviceUptime } from './compute-uptime.ts';
import type { DeviceStateIn, SilenceIn, TransitionIn, UptimeFigures, UptimeInput } from './types.ts';

const MIN = 60_000;
const FROM = Date.UTC(2026, 0, 5, 0, 0, 0);
const TO = FROM + 60 * MIN;
const at = (min: number) => FROM + Math.round(min * MIN);

let seq = 0;
function tr(
  min: number,
  iface: string,
  from: IfaceState,
  to: IfaceState,
  reason = 'track',
  bootId = 'bootA',
): TransitionIn {
  return { timeMs: at(min), iface, from, to, reason, bootId, seq: ++seq };
}
function input(p: Partial<UptimeInput>): UptimeInput {
  return {
    deviceId: 'ce-1',
    fromMs: FROM,
    toMs: TO,
    nowMs: TO + 3_600_000,
    transitions: [],
    deviceStates: [],
    silences: [],
    ...p,
  };
}
/** The headline figures, without the segment/outage detail. */
function head(f: UptimeFigures) {
  return {
    onlineMs: f.onlineMs,
    offlineMs: f.offlineMs,
    unknownMs: f.unknownMs,
    maintenanceMs: f.maintenanceMs,
    availabilityPct: f.availabilityPct,
    outageCount: f.outageCount,
    totalOutageMs: f.totalOutageMs,
    longestOutageMs: f.longestOutageMs,
    mttrMs: f.mttrMs,
    mtbfMs: f.mtbfMs,
  };
}
function fig(
  online: number,
  offline: number,
  unknown: number,
  maintenance: number,
  outages: number[],
  pct: number | null,
) {
  const total = outages.reduce((a, b) => a + b, 0) * MIN;
  return {
    onlineMs: online * MIN,
    offlineMs: offline * MIN,
    unknownMs: unknown * MIN,
    maintenanceMs: maintenance * MIN,
    availabilityPct: pct,
    outageCount: outages.length,
    totalOutageMs: total,
    longestOutageMs: Math.max(0, ...outages) * MIN,
    mttrMs: outages.length ? Math.round(total / outages.length) : null,
    mtbfMs: outages.length ? Math.round((online * MIN) / outages.length) : null,
  };
}

describe('computeDeviceUptime: hand-computed cases', () => {
  it('an outage spanning the period start is clipped there and marked', () => {
    const r = computeDeviceUptime(
      input({ transitions: [tr(-70, 'wan', 'online', 'offline'), tr(20, 'wan', 'offline', 'online')] }),
    );
    const wan = r.ifaces[0]!;
    assert.deepEqual(head(wan), fig(40, 20, 0, 0, [20], 66.667));
    assert.deepEqual(
      wan.outages.map((o) => [o.startMs, o.endMs, o.cause, o.open, o.clippedStart]),
      [[FROM, at(20), 'link_down', false, true]],
    );
    assert.deepEqual(head(r.internet), head(wan));
  });

  it('an outage still open at the period end ends there and is marked open', () => {
    const r = computeDeviceUptime(
      input({ transitions: [tr(-60, 'wan', 'connecting', 'online'), tr(50, 'wan', 'disconnecting', 'offline')] }),
    );
    const wan = r.ifaces[0]!;
    assert.deepEqual(head(wan), fig(50, 10, 0, 0, [10], 83.333));
    assert.deepEqual(
      wan.outages.map((o) => [o.startMs, o.endMs, o.open, o.clippedStart]),
      [[at(50), TO, true, false]],
    );
  });

  it('device unreachable in the middle of a link outage: one outage, cause changes in its parts', () => {
    // eth1 down 10..40; eth0 down 20..30 too, so the site is dark; the watchdog notices at 21
    // (last seen 20) and the same boot back-fills its transitions when it is back at 30:05.
    const r = computeDeviceUptime(
      input({
        transitions: [
          tr(-5, 'eth0', 'connecting', 'online'),
          tr(-5, 'eth1', 'connecting', 'online'),
          tr(10, 'eth1', 'disconnecting', 'offline'),
          tr(20, 'eth0', 'disconnecting', 'offline'),
          tr(30, 'eth0', 'connecting', 'online'),
          tr(40, 'eth1', 'connecting', 'online'),
        ],
        deviceStates: [
          { timeMs: at(21), state: 'unreachable', lastSeenMs: at(20) },
          { timeMs: at(30 + 5 / 60), state: 'reachable', lastSeenMs: at(30 + 5 / 60) },
        ],
      }),
    );
    const [eth0, eth1] = r.ifaces;
    assert.deepEqual(head(eth1!), fig(30, 30, 0, 0, [30], 50));
    assert.deepEqual(eth1!.outages[0]!.parts, [
      { startMs: at(10), endMs: at(20), cause: 'link_down' },
      { startMs: at(20), endMs: at(30 + 5 / 60), cause: 'device_unreachable' },
      { startMs: at(30 + 5 / 60), endMs: at(40), cause: 'link_down' },
    ]);
    assert.equal(eth1!.outages[0]!.cause, 'link_down');
    assert.deepEqual(head(eth0!), fig(50, 10, 0, 0, [10], 83.333));
    assert.equal(eth0!.outages[0]!.cause, 'device_unreachable');
    assert.deepEqual(head(r.internet), fig(50, 10, 0, 0, [10], 83.333));
    assert.deepEqual(
      r.internet.outages.map((o) => [o.startMs, o.endMs, o.cause]),
      [[at(20), at(30), 'device_unreachable']],
    );
  });

  it('overlapping silences: maintenance is taken out of online and offline, per link and for the site', () => {
    const silences: SilenceIn[] = [
      { startMs: at(20), endMs: at(40), iface: 'wan' },
      { startMs: at(35), endMs: at(45), iface: null },
    ];
    const r = computeDeviceUptime(
      input({
        transitions: [
          tr(-1, 'wan', 'connecting', 'online'),
          tr(10, 'wan', 'online', 'offline'),
          tr(30, 'wan', 'offline', 'online'),
        ],
        silences,
      }),
    );
    assert.deepEqual(head(r.ifaces[0]!), fig(25, 10, 0, 25, [10], 71.429));
    // site: 20..30 link silenced and offline -> maintenance; 30..35 the silenced link carried traffic -> online;
    // 35..45 device-wide silence -> maintenance.
    assert.deepEqual(head(r.internet), fig(30, 10, 0, 20, [10], 75));
  });

  it('flapping: every down is an outage; MTTR and MTBF follow', () => {
    const r = computeDeviceUptime(
      input({
        toMs: at(10),
        transitions: [
          tr(-1, 'wan', 'connecting', 'online'),
          tr(1, 'wan', 'online', 'offline'),
          tr(2, 'wan', 'offline', 'online'),
          tr(3, 'wan', 'online', 'offline'),
          tr(4, 'wan', 'offline', 'online'),
          tr(5, 'wan', 'online', 'offline'),
          tr(6, 'wan', 'offline', 'online'),
        ],
      }),
    );
    const wan = head(r.ifaces[0]!);
    assert.deepEqual(wan, fig(7, 3, 0, 0, [1, 1, 1], 70));
    assert.equal(wan.mtbfMs, 140_000);
  });

  it('no data at all: the whole period is unknown, availability is null', () => {
    const r = computeDeviceUptime(input({}));
    assert.deepEqual(r.ifaces, []);
    assert.deepEqual(head(r.internet), fig(0, 0, 60, 0, [], null));
    const r2 = computeDeviceUptime(input({ extraIfaces: ['wan'] }));
    assert.deepEqual(head(r2.ifaces[0]!), fig(0, 0, 60, 0, [], null));
  });

  it('new boot after a power cut: last contact .. new boot start is unknown, not up or down', () => {
    const r = computeDeviceUptime(
      input({
        transitions: [
          tr(-30, 'wan', 'connecting', 'online'),
          tr(25, 'wan', 'unknown', 'online', 'start', 'bootB'),
          tr(50, 'wan', 'online', 'unknown', 'stop', 'bootB'),
        ],
        deviceStates: [
          { timeMs: at(11), state: 'unreachable', lastSeenMs: at(10) },
          { timeMs: at(25.5), state: 'reachable', lastSeenMs: at(25.5) },
        ],
      }),
    );
    // online 0..10 and 25..50; unknown 10..25 (no recording) and 50..60 (reporter stopped).
    assert.deepEqual(head(r.ifaces[0]!), fig(35, 0, 25, 0, [], 100));
    assert.deepEqual(head(r.internet), fig(35, 0, 25, 0, [], 100));
  });

  it('same boot kept recording while unreachable: its back-filled outage counts as measured', () => {
    const r = computeDeviceUptime(
      input({
        transitions: [
          tr(-30, 'wan', 'connecting', 'online'),
          tr(10, 'wan', 'online', 'offline'),
          tr(25, 'wan', 'offline', 'online'),
        ],
        deviceStates: [
          { timeMs: at(11), state: 'unreachable', lastSeenMs: at(10) },
          { timeMs: at(25.5), state: 'reachable', lastSeenMs: at(25.5) },
        ],
      }),
    );
    assert.deepEqual(head(r.ifaces[0]!), fig(45, 15, 0, 0, [15], 75));
    assert.equal(r.ifaces[0]!.outages[0]!.cause, 'device_unreachable');
  });

  it('still unreachable at the end, or a period reaching into the future: unknown', () => {
    const dark = computeDeviceUptime(
      input({
        transitions: [tr(-30, 'wan', 'connecting', 'online')],
        deviceStates: [{ timeMs: at(41), state: 'unreachable', lastSeenMs: at(40) }],
      }),
    );
    assert.deepEqual(head(dark.ifaces[0]!), fig(40, 0, 20, 0, [], 100));
    const future = computeDeviceUptime(input({ nowMs: at(30), transitions: [tr(-30, 'wan', 'connecting', 'online')] }));
    assert.deepEqual(head(future.ifaces[0]!), fig(30, 0, 30, 0, [], 100));
  });

  it('state rules: disconnecting after online is online; connecting is offline; disabled is unknown', () => {
    const r = computeDeviceUptime(
      input({
        transitions: [
          tr(-1, 'wan', 'connecting', 'online'),
          tr(10, 'wan', 'online', 'disconnecting'),
          tr(20, 'wan', 'disconnecting', 'offline'),
          tr(30, 'wan', 'offline', 'connecting'),
          tr(40, 'wan', 'connecting', 'disabled', 'config'),
        ],
      }),
    );
    assert.deepEqual(head(r.ifaces[0]!), fig(20, 20, 20, 0, [20], 50));
  });

  it('rejects an empty period', () => {
    assert.throws(() => computeDeviceUptime(input({ toMs: FROM })), RangeError);
  });
});

describe('computeDeviceUptime: reporter lifecycle (unknown only where the reporter did not run)', () => {
  const wanHead = (p: Partial<UptimeInput>) => head(computeDeviceUptime(input(p)).ifaces[0]!);
  const table: Array<[string, Partial<UptimeInput>, ReturnType<typeof fig>]> = [
    [
      'clean stop at 20, start at 30 (carried online): unknown 20..30 only',
      {
        transitions: [
          tr(-5, 'wan', 'unknown', 'online', 'start', 'runA'),
          tr(20, 'wan', 'online', 'unknown', 'stop', 'runA'),
          tr(30, 'wan', 'online', 'online', 'start', 'runB'),
        ],
      },
      fig(50, 0, 10, 0, [], 100),
    ],
    [
      'crash (last record at 25), start at 30: unknown 25..30',
      {
        transitions: [
          tr(-5, 'wan', 'unknown', 'online', 'start', 'runA'),
          tr(30, 'wan', 'online', 'online', 'start', 'runB'),
        ],
        runEnds: [{ bootId: 'runB', lastRecordBeforeMs: at(25) }],
      },
      fig(55, 0, 5, 0, [], 100),
    ],
    [
      'crash with no stored record of the old run: the link keeps its state',
      {
        transitions: [
          tr(-5, 'wan', 'unknown', 'online', 'start', 'runA'),
          tr(30, 'wan', 'online', 'online', 'start', 'runB'),
        ],
      },
      fig(60, 0, 0, 0, [], 100),
    ],
    [
      'a clean stop needs no run end: the stop itself starts the unknown',
      {
        transitions: [
          tr(-5, 'wan', 'unknown', 'online', 'start', 'runA'),
          tr(20, 'wan', 'online', 'unknown', 'stop', 'runA'),
          tr(30, 'wan', 'online', 'online', 'start', 'runB'),
        ],
        runEnds: [{ bootId: 'runB', lastRecordBeforeMs: at(10) }],
      },
      fig(50, 0, 10, 0, [], 100),
    ],
    [
      'restart during an outage (carried offline, initial online): one outage 10..40',
      {
        transitions: [
          tr(-5, 'wan', 'unknown', 'online', 'start', 'runA'),
          tr(10, 'wan', 'online', 'offline', 'track', 'runA'),
          tr(20, 'wan', 'offline', 'online', 'start', 'runB'),
          tr(20.1, 'wan', 'online', 'disconnecting', 'track', 'runB'),
          tr(20.2, 'wan', 'disconnecting', 'offline', 'track', 'runB'),
          tr(40, 'wan', 'offline', 'online', 'track', 'runB'),
        ],
      },
      fig(30, 30, 0, 0, [30], 50),
    ],
    [
      'restart during an outage, link back while the reporter was down (confirming track)',
      {
        transitions: [
          tr(-5, 'wan', 'unknown', 'online', 'start', 'runA'),
          tr(10, 'wan', 'online', 'offline', 'track', 'runA'),
          tr(20, 'wan', 'offline', 'online', 'start', 'runB'),
          tr(21, 'wan', 'offline', 'online', 'track', 'runB'),
        ],
      },
      fig(49, 11, 0, 0, [11], 81.667),
    ],
    [
      'a reload restarting the tracker (config records) changes nothing',
      {
        transitions: [
          tr(-5, 'wan', 'unknown', 'online', 'start', 'runA'),
          tr(20, 'wan', 'online', 'unknown', 'config', 'runA'),
          tr(20, 'wan', 'unknown', 'online', 'config', 'runA'),
        ],
      },
      fig(60, 0, 0, 0, [], 100),
    ],
  ];
  for (const [name, p, want] of table) it(name, () => assert.deepEqual(wanHead(p), want));
});

describe('computeDeviceUptime: property', () => {
  const span = 10 * 24 * 3600_000;
  const t = fc.integer({ min: FROM - span / 2, max: FROM + span * 1.5 });
  const transition = fc.record({
    timeMs: t,
    iface: fc.constantFrom('eth0', 'eth1', 'wwan'),
    from: fc.constantFrom(...IFACE_STATES),
    to: fc.constantFrom(...IFACE_STATES),
    reason: fc.constantFrom('start', 'track', 'stop', 'ifdown', 'config'),
    bootId: fc.constantFrom('b1', 'b2', 'b3'),
    seq: fc.nat(),
  });
  const deviceState: fc.Arbitrary<DeviceStateIn> = fc
    .record({ timeMs: t, reachable: fc.boolean(), back: fc.nat(3_600_000) })
    .map((s) => ({
      timeMs: s.timeMs,
      state: s.reachable ? 'reachable' : 'unreachable',
      lastSeenMs: s.reachable ? s.timeMs : s.timeMs - s.back,
    }));
  const silence: fc.Arbitrary<SilenceIn> = fc
    .record({ startMs: t, len: fc.nat(span), iface: fc.constantFrom(null, 'eth0', 'eth1') })
    .map((s) => ({ startMs: s.startMs, endMs: s.startMs + s.len, iface: s.iface }));

  it('online + offline + unknown + maintenance = period, segments tile it, outages sum to offline time', () => {
    fc.assert(
      fc.property(
        fc.array(transition, { maxLength: 40 }),
        fc.array(deviceState, { maxLength: 6 }),
        fc.array(silence, { maxLength: 3 }),
        fc.integer({ min: 1, max: span }),
        t,
        (transitions, deviceStates, silences, lenMs, nowMs) => {
          const r = computeDeviceUptime(
            input({ fromMs: FROM, toMs: FROM + lenMs, nowMs, transitions, deviceStates, silences }),
          );
          for (const f of [r.internet, ...r.ifaces]) {
            assert.equal(f.onlineMs + f.offlineMs + f.unknownMs + f.maintenanceMs, lenMs);
            assert.equal(f.segments[0]!.startMs, FROM);
            assert.equal(f.segments[f.segments.length - 1]!.endMs, FROM + lenMs);
            f.segments.forEach((s, i) => {
              assert.ok(s.endMs > s.startMs);
              if (i > 0) assert.equal(s.startMs, f.segments[i - 1]!.endMs);
            });
            assert.equal(f.totalOutageMs, f.offlineMs);
            for (const o of f.outages)
              assert.equal(
                o.parts.reduce((n, p) => n + p.endMs - p.startMs, 0),
                o.durationMs,
              );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
