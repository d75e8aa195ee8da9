import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveAlertingOptions } from '../options.ts';
import { emptyDeviceState, emptyIface, openIncident, type DeviceAlertState } from '../core/state.ts';
import { sweepDevice } from '../core/sweep.ts';
import { T0 } from './fixtures.ts';

const opts = resolveAlertingOptions({ reminderIntervalMs: 60_000, watchdogMinMs: 15_000 });

function linkDown(): DeviceAlertState {
  const s = emptyDeviceState('d1');
  s.ifaces.set('eth0', emptyIface('online'));
  s.ifaces.set('eth1', { ...emptyIface('offline'), downSinceMs: T0, downIncidentId: 'down:ev-7' });
  return s;
}

function unreachable(): DeviceAlertState {
  return {
    ...emptyDeviceState('d2'),
    reach: 'unreachable',
    unreachableSinceMs: T0,
    unreachableLastSeenMs: T0 - 60_000,
    unreachableIncidentId: 'unreach:1',
  };
}

const reminders = (s: DeviceAlertState, acked?: Set<string>, lastSeenMs = T0 + 119_000) =>
  sweepDevice(s, { lastSeenMs, reportIntervalMs: 5_000, acked }, T0 + 120_000, [], opts).notices.filter(
    (n) => n.kind === 'reminder',
  ).length;

describe('acknowledgement (pure)', () => {
  it('an acknowledged incident gets no reminders; others still do', () => {
    assert.equal(reminders(linkDown()), 1);
    assert.equal(reminders(linkDown(), new Set(['down:ev-7'])), 0);
    assert.equal(reminders(linkDown(), new Set(['down:other'])), 1);
    assert.equal(reminders(unreachable(), undefined, T0 - 60_000), 1);
    assert.equal(reminders(unreachable(), new Set(['unreach:1']), T0 - 60_000), 0);
  });

  it('openIncident truth table', () => {
    assert.deepEqual(openIncident(linkDown(), 'down:ev-7'), { kind: 'link_down', iface: 'eth1', id: 'down:ev-7' });
    assert.deepEqual(openIncident(linkDown(), 'ev-7'), { kind: 'link_down', iface: 'eth1', id: 'down:ev-7' });
    assert.equal(openIncident(linkDown(), 'ev-8'), null);
    assert.deepEqual(openIncident(unreachable(), 'unreach:1'), { kind: 'device_unreachable', id: 'unreach:1' });
    assert.equal(openIncident(unreachable(), 'unreach:2'), null);
    const up = linkDown();
    up.ifaces.set('eth1', emptyIface('online'));
    assert.equal(openIncident(up, 'ev-7'), null, 'a closed incident cannot be acknowledged');
  });
});
