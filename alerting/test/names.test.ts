/**
 * Names chosen by devices are data: interfaces called like Object.prototype members go through
 * apply, flush, sweep, rendering and the stored JSON unharmed (issue #14 F5/F15).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PolicyRecord } from '../../contract/index.ts';
import { applyDeviceEvents } from '../core/apply-events.ts';
import { flushGroup } from '../core/flush.ts';
import { ifaceFigures, renderNotice, type RenderContext } from '../core/render.ts';
import { emptyDeviceState, parseState, serialiseState } from '../core/state.ts';
import { sweepDevice } from '../core/sweep.ts';
import { resolveAlertingOptions } from '../options.ts';
import { job, T0, tr } from './fixtures.ts';

const opts = resolveAlertingOptions({ groupWaitMs: 10_000, watchdogMinMs: 15_000 });
const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

function split(seq: number, online: string[], members: string[]): PolicyRecord {
  const carrier = members.find((m) => online.includes(m));
  return {
    type: 'policy',
    seq,
    timeMs: T0 + seq * 1000,
    policies: [
      {
        policy: 'constructor',
        family: 'ipv4',
        members: members.map((iface, i) => ({
          iface,
          sharePct: iface === carrier ? 100 : 0,
          metric: i + 1,
          weight: 1,
        })),
        lastResort: 'unreachable',
        lastResortActive: carrier === undefined,
      },
    ],
  };
}

describe('prototype-named interfaces and policies', () => {
  for (const name of NAMES) {
    it(`${name}: down, stored, reloaded, up with duration, rendered`, () => {
      const other = 'wan';
      const a = applyDeviceEvents(
        emptyDeviceState('__proto__'),
        job(
          '__proto__',
          [
            tr(1, name, 'unknown', 'online', T0, { reason: 'start' }),
            tr(2, other, 'unknown', 'online', T0, { reason: 'start' }),
            split(3, [name, other], [name, other]),
          ],
          {
            bootId: 'constructor',
            metrics: { [name]: { timeMs: T0, rttAvgMs: 5, lossPct: 0, jitterMs: 1, state: 'online' } },
          },
        ),
        T0,
        opts,
      );
      assert.equal(a.state.ifaces.get(name)!.routed, true);
      const down = applyDeviceEvents(
        parseState(serialiseState(a.state), '__proto__'),
        job('__proto__', [tr(10, name, 'online', 'offline', T0 + 10_000), split(11, [other], [name, other])], {
          bootId: 'constructor',
        }),
        T0 + 10_000,
        opts,
      );
      const stored = parseState(serialiseState(down.state), '__proto__');
      assert.deepEqual(stored, down.state, 'the Redis JSON round-trips');
      assert.equal(Object.getPrototypeOf(stored.ifaces), Map.prototype);
      const f = flushGroup(stored, stored.group!.id, T0 + 20_000, []);
      assert.equal(f.notice!.kind, 'link_down');
      const ctx: RenderContext = {
        device: { id: '__proto__', name: 'toString', site: null },
        mode: 'constructor',
        ifaces: ifaceFigures(f.state, [[name, { state: 'offline', rttAvgMs: 9, lossPct: 100 }]]),
        policies: f.state.policies,
        dashboardUrl: null,
      };
      const mail = renderNotice(f.notice!, ctx);
      assert.match(
        mail.subject,
        new RegExp(`${name.replace(/\$/g, '\\$')} DOWN — traffic now on wan \\(constructor: wan 100%\\)`),
      );
      assert.match(mail.text, new RegExp(`  - ${name}: offline, latency n/a, loss n/a`));
      const up = applyDeviceEvents(
        f.state,
        job('__proto__', [tr(20, name, 'offline', 'online', T0 + 70_000)], { bootId: 'constructor' }),
        T0 + 70_000,
        opts,
      );
      const upEv = up.added.find((e) => e.kind === 'link_up');
      assert.equal(upEv?.kind === 'link_up' ? upEv.durationMs : null, 60_000);
      const sw = sweepDevice(up.state, { lastSeenMs: T0 + 70_000, reportIntervalMs: 1000 }, T0 + 71_000, [], opts);
      assert.equal(sw.reachChange, null);
    });
  }
  it('a state stored with plain-object keys (before Maps) still loads, prototype names included', () => {
    const legacy =
      '{"v":1,"deviceId":"d","reach":"reachable","unreachableSinceMs":null,"unreachableLastSeenMs":null,"unreachableIncidentId":null,' +
      '"unreachableRemindersSent":0,"unreachableLastReminderMs":null,"seen":{"b1":4},' +
      '"ifaces":{"__proto__":{"state":"offline","routed":false,"downSinceMs":5,"downIncidentId":"down:b1:3","lastReminderMs":null,"remindersSent":0,"changesMs":[5],"flappingSinceMs":null,"flapIncidentId":null,"degraded":false}},' +
      '"policies":{"p/ipv4":{"text":"wan 100%","active":["wan"]}},"metrics":{},"group":null}';
    const s = parseState(legacy, 'd');
    assert.equal(s.ifaces.get('__proto__')!.downSinceMs, 5);
    assert.deepEqual(s.policies.get('p/ipv4'), { text: 'wan 100%', active: ['wan'], members: [] });
    assert.equal(s.seen.get('b1'), 4);
    assert.equal(s.splitCause, 'none');
    assert.equal(s.stopped, null);
  });
});

describe('email figures and splits', () => {
  const base = () =>
    applyDeviceEvents(
      emptyDeviceState('d'),
      job('d', [
        tr(1, 'eth0', 'unknown', 'online'),
        tr(2, 'eth1', 'unknown', 'online'),
        split(3, ['eth0', 'eth1'], ['eth0', 'eth1']),
      ]),
      T0,
      opts,
    ).state;
  it('ifaceFigures table: alerting state wins; figures only for online links', () => {
    const s = base();
    s.ifaces.get('eth1')!.state = 'offline';
    s.ifaces.get('eth1')!.routed = false;
    const figs = ifaceFigures(s, [
      ['eth0', { state: 'online', rttAvgMs: 12, lossPct: 0, jitterMs: 1 }],
      ['eth1', { state: 'online', rttAvgMs: 0, lossPct: 0, jitterMs: 0 }],
      ['eth9', { state: 'offline', rttAvgMs: 3, lossPct: 100 }],
    ]);
    assert.deepEqual(figs.get('eth0'), { state: 'online', rttAvgMs: 12, lossPct: 0, jitterMs: 1 });
    assert.deepEqual(figs.get('eth1'), { state: 'offline', rttAvgMs: null, lossPct: null, jitterMs: null });
    assert.deepEqual(figs.get('eth9'), { state: 'offline', rttAvgMs: null, lossPct: null, jitterMs: null });
  });
  it('a split contradicting the shown link states is not quoted', () => {
    const s = base();
    const d = applyDeviceEvents(s, job('d', [tr(10, 'eth0', 'online', 'offline')]), T0 + 10_000, opts).state;
    const f = flushGroup(d, d.group!.id, T0 + 20_000, []);
    const mail = renderNotice(f.notice!, {
      device: { id: 'd', name: 'D', site: null },
      mode: 'constructor',
      ifaces: ifaceFigures(f.state, []),
      policies: f.state.policies, // still the pre-outage split: traffic on eth0, which is down
      dashboardUrl: null,
    });
    assert.equal(mail.subject, '[wanwatch] D: eth0 DOWN');
    assert.match(mail.text, /constructor: pending \(not yet reported for the current link states\)/);
    assert.doesNotMatch(mail.text, /eth0 100%/);
  });
});
