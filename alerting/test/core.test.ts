import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveAlertingOptions } from '../options.ts';
import { applyDeviceEvents, decideLinkChange } from '../core/apply-events.ts';
import { flushGroup } from '../core/flush.ts';
import { dispose, findSilence } from '../core/notice.ts';
import { policyDirection } from '../core/policy-summary.ts';
import { renderNotice, shownPolicies, type RenderContext } from '../core/render.ts';
import { attemptsForCoverage, coveredMs, retryDelayMs } from '../core/retry.ts';
import { emptyDeviceState, emptyIface, type DeviceAlertState } from '../core/state.ts';
import { decideReachability, reminderDue, sweepDevice } from '../core/sweep.ts';
import { job, pol, T0, tr } from './fixtures.ts';
import { silencesForDevice } from '../../store/index.ts';

const opts = resolveAlertingOptions({
  groupWaitMs: 10_000,
  flapMaxChanges: 3,
  flapWindowMs: 60_000,
  reminderIntervalMs: 3_600_000,
  watchdogMinMs: 15_000,
});
const ctx = (over: Partial<RenderContext> = {}): RenderContext => ({
  device: { id: 'ce-1', name: 'Router One', site: 'Berlin' },
  mode: 'FAIL_OVER',
  ifaces: new Map([
    ['eth0', { state: 'online', rttAvgMs: 12.34, lossPct: 0 }],
    ['eth1', { state: 'offline', rttAvgMs: null, lossPct: 100 }],
  ]),
  policies: new Map(),
  dashboardUrl: 'http://grafana.local/d/ce-1',
  ...over,
});

/** A device with both links online and a first policy snapshot (no events). */
function steady(): DeviceAlertState {
  const r = applyDeviceEvents(
    emptyDeviceState('ce-1'),
    job('ce-1', [tr(1, 'eth0', 'unknown', 'online'), tr(2, 'eth1', 'unknown', 'online'), pol(3, ['eth0', 'eth1'])]),
    T0,
    opts,
  );
  assert.equal(r.added.length, 0, 'startup is not an incident');
  return r.state;
}

describe('decideLinkChange truth table', () => {
  const cases: Array<[boolean, string | null, Parameters<typeof tr>[2], Parameters<typeof tr>[3], string]> = [
    [true, null, 'online', 'offline', 'down'],
    [true, null, 'online', 'disconnecting', 'none'],
    [true, null, 'disconnecting', 'offline', 'down'],
    [true, null, 'online', 'disabled', 'unrouted'],
    [false, 'down:x', 'offline', 'online', 'up'],
    [false, 'down:x', 'connecting', 'online', 'up'],
    [false, null, 'connecting', 'online', 'routed'],
    [false, 'down:x', 'offline', 'connecting', 'none'],
    [false, null, 'unknown', 'offline', 'none'],
  ];
  for (const [routed, incident, from, to, want] of cases) {
    it(`routed=${routed} incident=${incident ?? '-'} ${from}->${to} => ${want}`, () => {
      const prev = { ...emptyIface(from), routed, downSinceMs: incident ? T0 : null, downIncidentId: incident };
      assert.equal(decideLinkChange(prev, tr(9, 'eth1', from, to)), want);
    });
  }
});

describe('start-up is a baseline, not an incident', () => {
  it('a new device whose links come up from last resort sends nothing', () => {
    const r = applyDeviceEvents(
      emptyDeviceState('ce-1'),
      job('ce-1', [
        pol(1, []),
        tr(2, 'eth1', 'unknown', 'online', T0 + 2000, { reason: 'start' }),
        tr(3, 'eth0', 'unknown', 'online', T0 + 3000, { reason: 'start' }),
        pol(4, ['eth1', 'eth0']),
      ]),
      T0 + 5_000,
      opts,
    );
    assert.deepEqual(r.added, [], r.reasons.join('; '));
  });
  it('a real failback from last resort (after both links were down) is still an incident', () => {
    const a = applyDeviceEvents(
      steady(),
      job('ce-1', [tr(10, 'eth1', 'online', 'offline'), tr(11, 'eth0', 'online', 'offline'), pol(12, [])]),
      T0 + 20_000,
      opts,
    );
    const b = applyDeviceEvents(
      a.state,
      job('ce-1', [tr(20, 'eth1', 'connecting', 'online'), pol(21, ['eth1'])]),
      T0 + 30_000,
      opts,
    );
    assert.deepEqual(
      b.added.map((e) => e.kind),
      ['link_up', 'policy_change'],
    );
  });
});

describe('grouping: link down + the failover it causes = one notice', () => {
  it('eth1 DOWN — traffic now on eth0 (FAIL_OVER: eth0 100%)', () => {
    const s = steady();
    const r = applyDeviceEvents(
      s,
      job('ce-1', [
        tr(10, 'eth1', 'online', 'disconnecting'),
        tr(11, 'eth1', 'disconnecting', 'offline'),
        pol(12, ['eth0']),
      ]),
      T0 + 20_000,
      opts,
    );
    assert.deepEqual(
      r.added.map((e) => e.kind),
      ['link_down', 'policy_change'],
    );
    assert.deepEqual(r.openedGroup, { id: r.state.group!.id, flushAtMs: T0 + 30_000 });
    const f = flushGroup(r.state, r.openedGroup!.id, T0 + 30_000, []);
    assert.equal(f.state.group, null);
    assert.equal(f.notice!.kind, 'link_down');
    const mail = renderNotice(f.notice!, ctx({ policies: f.state.policies }));
    assert.equal(
      mail.subject,
      '[wanwatch] Router One (Berlin): eth1 DOWN — traffic now on eth0 (FAIL_OVER: eth0 100%)',
    );
    assert.match(mail.text, /eth1 went offline at 2026-11-21 12:00:11 UTC/);
    assert.match(mail.text, /eth0: online, latency 12\.3 ms, loss 0\.0%/);
    assert.match(mail.text, /Dashboard: http:\/\/grafana\.local\/d\/ce-1/);
    assert.match(mail.html, /<a href="http:\/\/grafana\.local\/d\/ce-1">/);
  });

  it('events arriving in a second job join the open group (no second flush scheduled)', () => {
    const a = applyDeviceEvents(steady(), job('ce-1', [tr(11, 'eth1', 'online', 'offline')]), T0, opts);
    const b = applyDeviceEvents(a.state, job('ce-1', [pol(12, ['eth0'])]), T0 + 1000, opts);
    assert.equal(b.openedGroup, null);
    assert.equal(b.state.group!.events.length, 2);
  });

  it('a replayed job adds nothing (seq dedup per boot)', () => {
    const j = job('ce-1', [tr(11, 'eth1', 'online', 'offline'), pol(12, ['eth0'])]);
    const a = applyDeviceEvents(steady(), j, T0, opts);
    const f = flushGroup(a.state, a.state.group!.id, T0 + 10_000, []);
    const again = applyDeviceEvents(f.state, j, T0 + 11_000, opts);
    assert.deepEqual(again.added, []);
    assert.equal(again.openedGroup, null);
  });

  it('a replayed flush is a no-op', () => {
    const a = applyDeviceEvents(steady(), job('ce-1', [tr(11, 'eth1', 'online', 'offline')]), T0, opts);
    const f = flushGroup(a.state, a.state.group!.id, T0 + 10_000, []);
    assert.equal(flushGroup(f.state, a.state.group!.id, T0 + 10_001, []).notice, null);
  });

  it('resolved email carries the outage duration; all links down is its own headline', () => {
    let s = applyDeviceEvents(
      steady(),
      job('ce-1', [tr(11, 'eth1', 'online', 'offline'), tr(12, 'eth0', 'online', 'offline', T0 + 12_000), pol(13, [])]),
      T0,
      opts,
    ).state;
    let f = flushGroup(s, s.group!.id, T0 + 10_000, []);
    assert.equal(f.notice!.kind, 'all_links_down');
    assert.match(
      renderNotice(f.notice!, ctx()).subject,
      /ALL LINKS DOWN \(eth1, eth0\) — no link carries traffic \(FAIL_OVER: none \(unreachable\)\)/,
    );
    s = applyDeviceEvents(
      f.state,
      job('ce-1', [tr(20, 'eth1', 'offline', 'online', T0 + 11_000 + 185_000), pol(21, ['eth1'])]),
      T0 + 200_000,
      opts,
    ).state;
    f = flushGroup(s, s.group!.id, T0 + 210_000, []);
    assert.equal(f.notice!.kind, 'link_up');
    assert.equal(
      renderNotice(f.notice!, ctx()).subject,
      '[wanwatch] Router One (Berlin): eth1 UP after 3m 05s — traffic now on eth1 (FAIL_OVER: eth1 100%)',
    );
  });
});

describe('policy direction', () => {
  it('lost a down link -> failover; back to a recovered link -> failback; same set -> change', () => {
    const up =
      (...ifaces: string[]) =>
      (i: string) =>
        ifaces.includes(i);
    assert.equal(policyDirection(['eth1'], ['eth0'], up('eth0')), 'failover');
    assert.equal(policyDirection(['eth0'], ['eth1'], up('eth0', 'eth1')), 'failback', 'FAIL_OVER back to the primary');
    assert.equal(policyDirection(['eth0'], ['eth0', 'eth1'], up('eth0', 'eth1')), 'failback');
    assert.equal(
      policyDirection(['eth0', 'eth1'], ['eth0'], up('eth0', 'eth1')),
      'failover',
      'shrunk without a link going down',
    );
    assert.equal(policyDirection(['eth0', 'eth1'], ['eth1', 'eth0'], up('eth0', 'eth1')), 'change');
  });
});

describe('flap damping', () => {
  it('more than N changes in M -> one flapping event, later changes damped, ends after M stable', () => {
    let s = steady();
    const kinds: string[] = [];
    let seq = 10;
    for (let i = 0; i < 6; i++) {
      const r = applyDeviceEvents(
        s,
        job('ce-1', [tr(seq++, 'eth1', i % 2 ? 'offline' : 'online', i % 2 ? 'online' : 'offline', T0 + i * 5000)]),
        T0 + i * 5000,
        opts,
      );
      kinds.push(...r.added.map((e) => e.kind));
      s = r.state;
    }
    assert.equal(kinds.filter((k) => k === 'flapping').length, 1);
    const f = flushGroup(s, s.group!.id, T0 + 40_000, []);
    const byDisposition = f.notice!.items.map((i) => `${i.item.kind}:${i.disposition}`);
    assert.ok(byDisposition.includes('flapping:notify'));
    assert.ok(
      byDisposition.filter((d) => d.startsWith('link_')).every((d) => d.endsWith(':damped')),
      byDisposition.join(),
    );
    assert.equal(f.notice!.kind, 'flapping');
    assert.match(renderNotice(f.notice!, ctx()).subject, /eth1 FLAPPING \(4 changes in 1m 00s\)/);
    // Still flapping 30 s after the last change; ended 60 s after it.
    const lastChange = T0 + 25_000;
    assert.equal(
      sweepDevice(f.state, { lastSeenMs: lastChange + 30_000, reportIntervalMs: 1000 }, lastChange + 30_000, [], opts)
        .notices.length,
      0,
    );
    const end = sweepDevice(
      f.state,
      { lastSeenMs: lastChange + 60_000, reportIntervalMs: 1000 },
      lastChange + 60_000,
      [],
      opts,
    );
    assert.deepEqual(
      end.notices.map((n) => n.items[0]!.item.kind),
      ['flapping_ended'],
    );
    assert.equal(end.state.ifaces.get('eth1')!.flappingSinceMs, null);
  });
});

describe('silences and inhibition (dispose truth table)', () => {
  const sil = (deviceId: string | null, iface: string | null, startMs: number, endMs: number) => ({
    v: 2 as const,
    id: 's1',
    deviceId,
    site: null,
    iface,
    weekly: null,
    startMs,
    endMs,
    comment: '',
    createdBy: 't',
    createdAtMs: 0,
  });
  it('a weekly window matches inside an occurrence only; a site silence only once narrowed to the device', () => {
    const mon = Date.parse('2026-06-08T12:00:00Z');
    const weekly = {
      ...sil('ce-1', null, 0, 8_640_000_000_000_000),
      weekly: {
        days: ['mon' as const],
        start: '14:00',
        durationMin: 60,
        timeZone: 'Europe/Berlin',
        firstDate: '2026-01-01',
        lastDate: null,
      },
    };
    assert.ok(findSilence([weekly], 'ce-1', 'eth1', mon + 1_000, mon + 1_000));
    assert.equal(findSilence([weekly], 'ce-1', 'eth1', mon + 3_600_000, mon + 3_600_000), undefined);
    const site = { ...sil(null, null, T0, T0 + 10), site: 'berlin' };
    assert.equal(findSilence([site], 'ce-1', 'eth1', T0 + 5, T0 + 5), undefined);
    assert.ok(findSilence(silencesForDevice([site], 'ce-1', 'berlin'), 'ce-1', 'eth1', T0 + 5, T0 + 5));
  });
  it('matches device, device+iface, and time (event time or now)', () => {
    assert.ok(findSilence([sil('ce-1', null, T0, T0 + 10)], 'ce-1', 'eth1', T0 + 5, T0 + 100));
    assert.ok(findSilence([sil('ce-1', 'eth1', T0, T0 + 10)], 'ce-1', 'eth1', T0 + 5, T0 + 100));
    assert.equal(findSilence([sil('ce-1', 'eth0', T0, T0 + 10)], 'ce-1', 'eth1', T0 + 5, T0 + 5), undefined);
    assert.equal(findSilence([sil('ce-2', null, T0, T0 + 10)], 'ce-1', 'eth1', T0 + 5, T0 + 5), undefined);
    assert.ok(
      findSilence([sil('ce-1', null, T0 + 50, T0 + 200)], 'ce-1', 'eth1', T0 + 5, T0 + 100),
      'window covering now',
    );
    assert.equal(findSilence([sil('ce-1', null, T0 + 50, T0 + 60)], 'ce-1', 'eth1', T0 + 5, T0 + 100), undefined);
  });
  it('silenced > inhibited > damped > notify', () => {
    const s = steady();
    const down = { kind: 'link_down' as const, id: 'd', iface: 'eth1', atMs: T0 };
    assert.equal(dispose(down, s, [sil('ce-1', null, T0 - 1, T0 + 1)], T0).disposition, 'silenced');
    assert.equal(dispose(down, { ...s, reach: 'unreachable' }, [], T0).disposition, 'inhibited');
    const flapping = structuredClone(s);
    flapping.ifaces.get('eth1')!.flappingSinceMs = T0;
    assert.equal(dispose(down, flapping, [], T0).disposition, 'damped');
    assert.equal(dispose(down, s, [], T0).disposition, 'notify');
  });
});

describe('watchdog and reminders', () => {
  it('decideReachability table', () => {
    const s = steady();
    const g = (lastSeenMs: number) => ({ stopped: false, blindNow: false, notBeforeMs: lastSeenMs + 15_000 });
    assert.equal(decideReachability(s, null, g(0), T0), 'none');
    assert.equal(decideReachability(s, T0 - 14_999, g(T0 - 14_999), T0), 'none');
    assert.equal(decideReachability(s, T0 - 15_000, g(T0 - 15_000), T0), 'unreachable');
    const u = { ...s, reach: 'unreachable' as const, unreachableLastSeenMs: T0 - 20_000 };
    assert.equal(decideReachability(u, T0 - 20_000, g(T0 - 20_000), T0), 'none');
    assert.equal(decideReachability(u, T0 - 1, g(T0 - 1), T0), 'back_online');
  });
  it('timeout = max(min, 3 × report interval); unreachable once; back online joins a group with the back-filled transitions', () => {
    const s = steady();
    assert.equal(sweepDevice(s, { lastSeenMs: T0, reportIntervalMs: 10_000 }, T0 + 29_000, [], opts).notices.length, 0);
    const u = sweepDevice(s, { lastSeenMs: T0, reportIntervalMs: 10_000 }, T0 + 30_000, [], opts);
    assert.equal(u.reachChange, 'unreachable');
    assert.deepEqual(
      u.notices.map((n) => n.kind),
      ['device_unreachable'],
    );
    assert.match(
      renderNotice(u.notices[0]!, ctx()).subject,
      /device UNREACHABLE \(last heard 2026-11-21 12:00:00 UTC\)/,
    );
    assert.equal(
      sweepDevice(u.state, { lastSeenMs: T0, reportIntervalMs: 10_000 }, T0 + 35_000, [], opts).notices.length,
      0,
      'once',
    );
    // Device returns with back-filled transitions.
    const back = applyDeviceEvents(
      u.state,
      job('ce-1', [tr(30, 'eth1', 'online', 'offline', T0 + 5_000), tr(31, 'eth1', 'offline', 'online', T0 + 65_000)], {
        backfill: true,
        receivedAtMs: T0 + 90_000,
      }),
      T0 + 90_000,
      opts,
    );
    assert.equal(back.state.reach, 'reachable');
    const f = flushGroup(back.state, back.state.group!.id, T0 + 100_000, []);
    assert.equal(f.notice!.kind, 'device_back_online');
    const mail = renderNotice(f.notice!, ctx());
    assert.match(mail.subject, /device BACK ONLINE after 1m 30s/);
    assert.match(
      mail.text,
      /eth1: went offline at 2026-11-21 12:00:05 UTC, came back at 2026-11-21 12:01:05 UTC \(down 1m 00s\)/,
    );
  });
  it('reminders: off at 0, first after the interval, then every interval', () => {
    assert.equal(reminderDue(T0, null, 0, T0 + 1e9), false);
    assert.equal(reminderDue(T0, null, 1000, T0 + 999), false);
    assert.equal(reminderDue(T0, null, 1000, T0 + 1000), true);
    assert.equal(reminderDue(T0, T0 + 1000, 1000, T0 + 1500), false);
    const down = applyDeviceEvents(steady(), job('ce-1', [tr(11, 'eth1', 'online', 'offline')]), T0, opts);
    const f = flushGroup(down.state, down.state.group!.id, T0 + 10_000, []);
    const r = sweepDevice(
      f.state,
      { lastSeenMs: T0 + 3_600_000 + 11_000, reportIntervalMs: 1000 },
      T0 + 3_600_000 + 11_000,
      [],
      opts,
    );
    assert.deepEqual(
      r.notices.map((n) => n.kind),
      ['reminder'],
    );
    assert.match(renderNotice(r.notices[0]!, ctx()).subject, /REMINDER: eth1 DOWN for 1h 00m 00s/);
  });
});

describe('retry plan covers >= 24 h', () => {
  it('exponential, capped, enough attempts', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => retryDelayMs(n, 10_000, 30_000)),
      [10_000, 20_000, 30_000, 30_000],
    );
    const d = resolveAlertingOptions();
    const attempts = attemptsForCoverage(d.retryBaseDelayMs, d.retryMaxDelayMs, d.retryCoverageMs);
    assert.ok(coveredMs(attempts, d.retryBaseDelayMs, d.retryMaxDelayMs) >= 24 * 3_600_000);
    assert.ok(coveredMs(attempts - 1, d.retryBaseDelayMs, d.retryMaxDelayMs) < d.retryCoverageMs);
  });
  it('bad options name the key', () => {
    assert.throws(() => resolveAlertingOptions({ groupWaitMs: -1 }), /alerting option groupWaitMs/);
  });
});

describe('degradation and inhibition', () => {
  it('a change of the degraded flag is link_degraded / link_recovered', () => {
    const a = applyDeviceEvents(
      steady(),
      job('ce-1', [tr(10, 'eth0', 'online', 'online', T0, { degraded: true })]),
      T0,
      opts,
    );
    assert.deepEqual(
      a.added.map((e) => e.kind),
      ['link_degraded'],
    );
    const f = flushGroup(a.state, a.state.group!.id, T0 + 10_000, []);
    assert.equal(f.notice!.kind, 'link_degraded');
    assert.match(renderNotice(f.notice!, ctx()).subject, /eth0 DEGRADED$/);
    const b = applyDeviceEvents(
      f.state,
      job('ce-1', [tr(11, 'eth0', 'online', 'online', T0 + 20_000, { degraded: false })]),
      T0 + 20_000,
      opts,
    );
    assert.deepEqual(
      b.added.map((e) => e.kind),
      ['link_recovered'],
    );
    const c = applyDeviceEvents(
      b.state,
      job('ce-1', [tr(12, 'eth0', 'online', 'online', T0 + 30_000, { degraded: false })]),
      T0 + 30_000,
      opts,
    );
    assert.deepEqual(c.added, [], 'no change, no event');
  });
  it('link events pending when the device becomes unreachable are inhibited, not emailed', () => {
    const a = applyDeviceEvents(steady(), job('ce-1', [tr(10, 'eth1', 'online', 'offline')]), T0, opts);
    const u = sweepDevice(a.state, { lastSeenMs: T0, reportIntervalMs: 1000 }, T0 + 15_000, [], opts);
    assert.equal(u.state.reach, 'unreachable');
    const f = flushGroup(u.state, a.state.group!.id, T0 + 15_001, []);
    assert.deepEqual(
      f.notice!.items.map((i) => i.disposition),
      ['inhibited'],
    );
    assert.equal(
      f.notice!.items.some((i) => i.disposition === 'notify'),
      false,
    );
  });
});

describe('which policies an email shows', () => {
  const v = (active: string[], text: string) => ({ active, text, members: active });
  const device = {
    'FAIL_OVER/ipv4': v(['eth1'], 'eth1 100%'),
    'FAIL_OVER/ipv6': v([], 'none (unreachable)'),
    'LOAD_BALANCE/ipv4': v(['eth0', 'eth1'], 'eth0 50%, eth1 50%'),
    'LOAD_BALANCE/ipv6': v([], 'none (unreachable)'),
  };
  const table: Array<[string | null, Record<string, { active: string[]; text: string; members: string[] }>, string[]]> =
    [
      ['LOAD_BALANCE', device, ['LOAD_BALANCE: eth0 50%, eth1 50%']],
      ['FAIL_OVER', device, ['FAIL_OVER: eth1 100%']],
      [null, device, ['FAIL_OVER: eth1 100%', 'LOAD_BALANCE: eth0 50%, eth1 50%']],
      ['FAIL_OVER', { 'balanced/ipv4': v(['wanb'], 'wanb 100%') }, ['balanced: wanb 100%']],
      [null, { 'v6only/ipv6': v([], 'none (unreachable)') }, ['v6only (IPv6): none (unreachable)']],
      [null, { 'p/ipv4': v(['a'], 'a 100%'), 'p/ipv6': v(['b'], 'b 100%') }, ['p: a 100%', 'p (IPv6): b 100%']],
    ];
  for (const [mode, policies, want] of table) {
    it(`mode ${mode} -> ${want.join(' | ')}`, () => {
      assert.deepEqual(
        shownPolicies(Object.entries(policies), mode).map(([l, p]) => `${l}: ${p.text}`),
        want,
      );
    });
  }
});
