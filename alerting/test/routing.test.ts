import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inWindow, routeKindOf, routeNotice, type RoutingTable } from '../receivers/routing.ts';
import { parseReceiverSetup } from '../receivers/routes-file.ts';

// Monday 2026-11-23 09:30 in Berlin (UTC+1) = 08:30 UTC.
const MON_0930_BERLIN = Date.UTC(2026, 10, 23, 8, 30);
const MON_2330_BERLIN = Date.UTC(2026, 10, 23, 22, 30);
const TUE_0300_BERLIN = Date.UTC(2026, 10, 24, 2, 0);
const SAT_1000_BERLIN = Date.UTC(2026, 10, 28, 9, 0);

const table: RoutingTable = {
  routes: [
    {
      name: 'pager at night',
      kinds: ['all_links_down', 'unreachable'],
      time: { timeZone: 'Europe/Berlin', fromMin: 20 * 60, toMin: 7 * 60 },
      receivers: ['pd'],
    },
    {
      name: 'berlin office hours',
      sites: ['Berlin'],
      time: { timeZone: 'Europe/Berlin', fromMin: 8 * 60, toMin: 18 * 60, days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
      receivers: ['berlin'],
      continue: true,
    },
    { name: 'failover to chat', kinds: ['failover'], receivers: ['chat'] },
    { name: 'one device', devices: ['core-1'], receivers: ['core'] },
  ],
  defaultReceivers: ['hook'],
};

describe('routing (pure)', () => {
  it('truth table: kind × site × time × device', () => {
    const rows: Array<[string, string, string | null, number, string[]]> = [
      // kind, device, site, at, receivers
      ['all_links_down', 'r1', 'Paris', MON_2330_BERLIN, ['pd']],
      ['device_unreachable', 'r1', 'Paris', TUE_0300_BERLIN, ['pd']], // window wraps past midnight
      ['device_unreachable', 'r1', 'Paris', MON_0930_BERLIN, ['hook']],
      ['link_down', 'r1', 'Berlin', MON_0930_BERLIN, ['berlin']], // continue, nothing else matches
      ['policy_change', 'r1', 'Berlin', MON_0930_BERLIN, ['berlin', 'chat']], // continue then failover
      ['policy_change', 'r1', 'Berlin', SAT_1000_BERLIN, ['chat']], // weekend: office route closed
      ['link_down', 'r1', 'Berlin', SAT_1000_BERLIN, ['hook']],
      ['link_down', 'r1', null, MON_0930_BERLIN, ['hook']], // no site: site routes do not match
      ['link_degraded', 'core-1', 'Paris', MON_0930_BERLIN, ['core']],
      ['all_links_down', 'core-1', 'Berlin', MON_2330_BERLIN, ['pd']], // first match ends the walk
    ];
    for (const [kind, deviceId, site, atMs, want] of rows)
      assert.deepEqual(
        routeNotice({ kind: kind as never, iface: null, deviceId, site, atMs }, table),
        want,
        `${kind} ${deviceId} ${site} ${new Date(atMs).toISOString()}`,
      );
  });

  it('route kinds: the end of a matter routes like its start', () => {
    const rows: Array<[string, string | null, string]> = [
      ['link_down', 'eth0', 'link_down'],
      ['link_up', 'eth0', 'link_down'],
      ['all_links_down', null, 'all_links_down'],
      ['device_unreachable', null, 'unreachable'],
      ['device_back_online', null, 'unreachable'],
      ['link_degraded', 'eth0', 'degraded'],
      ['link_recovered', 'eth0', 'degraded'],
      ['policy_change', null, 'failover'],
      ['flapping', 'eth0', 'flapping'],
      ['reminder', 'eth0', 'link_down'],
      ['reminder', null, 'unreachable'],
    ];
    for (const [kind, iface, want] of rows) assert.equal(routeKindOf(kind as never, iface), want, kind);
  });

  it('windows: plain, wrapping, whole day, by weekday', () => {
    const w = (fromMin: number, toMin: number, days?: Array<'mon' | 'sat'>) => ({
      timeZone: 'Europe/Berlin',
      fromMin,
      toMin,
      days,
    });
    assert.equal(inWindow(w(9 * 60, 10 * 60), MON_0930_BERLIN), true);
    assert.equal(inWindow(w(9 * 60 + 31, 10 * 60), MON_0930_BERLIN), false);
    assert.equal(inWindow(w(22 * 60, 6 * 60, ['mon']), TUE_0300_BERLIN), true); // began Monday night
    assert.equal(inWindow(w(22 * 60, 6 * 60, ['sat']), TUE_0300_BERLIN), false);
    assert.equal(inWindow(w(0, 0, ['sat']), SAT_1000_BERLIN), true);
    assert.equal(inWindow({ timeZone: 'UTC', fromMin: 8 * 60, toMin: 9 * 60 }, MON_0930_BERLIN), true);
  });

  it('the routes file: errors name the field; default is every receiver', () => {
    const receivers = [{ type: 'slack', name: 'a', url: 'http://127.0.0.1:9/x' }];
    assert.deepEqual(parseReceiverSetup({ receivers }).defaultReceivers, ['a']);
    const bad: Array<[object, RegExp]> = [
      [{ receivers, routes: [{ name: 'r', receivers: ['b'] }] }, /^routes\[0\]\.receivers\[0\]: no receiver named "b"/],
      [{ receivers, routes: [{ name: 'r', kinds: ['down'], receivers: ['a'] }] }, /^routes\[0\]\.kinds\[0\]: /],
      [
        {
          receivers,
          routes: [{ name: 'r', time: { timeZone: 'Mars/Base', from: '08:00', to: '09:00' }, receivers: ['a'] }],
        },
        /^routes\[0\]\.time\.timeZone: /,
      ],
      [
        { receivers, routes: [{ name: 'r', time: { timeZone: 'UTC', from: '8:00', to: '09:00' }, receivers: ['a'] }] },
        /^routes\[0\]\.time\.from: /,
      ],
      [{ receivers, default: ['zz'] }, /^default\[0\]: /],
      [{ receivers: [{ type: 'slack', name: 'a' }] }, /^receivers\[0\]\.url: /],
      [{ receivers, extra: 1 }, /^\(root\)|extra/],
    ];
    for (const [input, re] of bad) assert.throws(() => parseReceiverSetup(input), { message: re });
  });
});
