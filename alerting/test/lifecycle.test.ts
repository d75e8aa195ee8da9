/**
 * Truth tables for docs/alerts.md "Lifecycle events": one scenario per row, driven through the pure
 * core (apply -> flush -> sweep) with the records the reporter sends (docs/report-format.md and the
 * lifecycle spec: `start {from: carried}`, `stop {to: unknown}`, `config`, confirming `track`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BlindGap } from '../../store/blindness.ts';
import type { PolicyRecord, TransitionRecord } from '../../contract/index.ts';
import { applyDeviceEvents, transitionRole, trackRun } from '../core/apply-events.ts';
import { policyQuiet } from '../core/policy-events.ts';
import { blindNow, retryAllowanceMs, unreachableNotBeforeMs, type BlindnessView } from '../core/blindness.ts';
import { flushGroup } from '../core/flush.ts';
import type { Notice } from '../core/notice.ts';
import { emptyDeviceState, type DeviceAlertState } from '../core/state.ts';
import { sweepDevice } from '../core/sweep.ts';
import { resolveAlertingOptions } from '../options.ts';
import { job, pol, T0, tr } from './fixtures.ts';

const opts = resolveAlertingOptions({
  groupWaitMs: 10_000,
  watchdogMinMs: 15_000,
  flapMaxChanges: 3,
  flapWindowMs: 600_000,
  reminderIntervalMs: 0,
});
const INTERVAL_MS = 1_000; // report interval: watchdog timeout = max(15 s, 3 × 1 s) = 15 s

type Rec = TransitionRecord | PolicyRecord;
type Step =
  | { at: number; boot: string; records: Rec[] }
  | { at: number; sweep: true; lastSeenMs: number; liveBoot?: string; blind?: BlindnessView };

interface Outcome {
  /** Headline kinds of the notices that email something. */
  emails: string[];
  /** Every link_up emailed, with its duration. */
  upDurationsMs: number[];
  /** wan_device_state rows the sweep would write. */
  reachRows: string[];
  /** Dispositions of every item recorded (emailed or not). */
  dispositions: string[];
  state: DeviceAlertState;
}

/** Runs steps in order; a pending group is flushed once its wait has passed (or at the end). */
function run(steps: Step[], start: DeviceAlertState = emptyDeviceState('ce-1')): Outcome {
  let s = start;
  const out: Outcome = { emails: [], upDurationsMs: [], reachRows: [], dispositions: [], state: s };
  const take = (n: Notice | null) => {
    if (!n) return;
    out.dispositions.push(...n.items.map((i) => `${i.item.kind}:${i.disposition}`));
    const sent = n.items.filter((i) => i.disposition === 'notify');
    if (sent.length === 0) return;
    out.emails.push(n.kind);
    for (const i of sent)
      if (i.item.kind === 'link_up' && i.item.durationMs !== null) out.upDurationsMs.push(i.item.durationMs);
  };
  const flushDue = (now: number) => {
    if (s.group && s.group.flushAtMs <= now) {
      const f = flushGroup(s, s.group.id, now, []);
      take(f.notice);
      s = f.state;
    }
  };
  for (const step of steps) {
    flushDue(step.at);
    if ('sweep' in step) {
      const r = sweepDevice(
        s,
        {
          lastSeenMs: step.lastSeenMs,
          reportIntervalMs: INTERVAL_MS,
          liveBootId: step.liveBoot ?? null,
          blindness: step.blind,
        },
        step.at,
        [],
        opts,
      );
      r.notices.forEach(take);
      if (r.reachChange) out.reachRows.push(r.reachChange);
      s = r.state;
    } else {
      s = applyDeviceEvents(
        s,
        job('ce-1', step.records, { bootId: step.boot, receivedAtMs: step.at }),
        step.at,
        opts,
      ).state;
    }
  }
  flushDue(Infinity);
  out.state = s;
  return out;
}

const S = (sec: number) => T0 + sec * 1000;
let seq = 100;
const n = () => ++seq;
const t = (
  iface: string,
  from: TransitionRecord['from'],
  to: TransitionRecord['to'],
  sec: number,
  reason: TransitionRecord['reason'] = 'track',
) => tr(n(), iface, from, to, S(sec), { reason });
const p = (online: string[], sec: number) => pol(n(), online, S(sec));

/** First run: both links online, first snapshot. */
const first = (): Step => ({
  at: S(1),
  boot: 'run1',
  records: [
    t('eth0', 'unknown', 'online', 0, 'start'),
    t('eth1', 'unknown', 'online', 0, 'start'),
    p(['eth0', 'eth1'], 0.5),
  ],
});
/** A sweep `sec` after T0, the device last heard at `seenSec`. */
const sweep = (sec: number, seenSec: number, extra: Partial<Extract<Step, { sweep: true }>> = {}): Step => ({
  at: S(sec),
  sweep: true,
  lastSeenMs: S(seenSec),
  ...extra,
});
const gap = (fromSec: number, toSec: number, source: BlindGap['source'] = 'api'): BlindGap => ({
  source,
  startMs: S(fromSec),
  endMs: S(toSec),
});
/** The allowance after a gap of `sec` with the default reporter back-off (1 s base, 300 s max). */
const allowanceSec = (sec: number) => Math.min(300, 4 * sec + 2);

interface Row {
  event: string;
  steps: () => Step[];
  emails: string[];
  reachRows?: string[];
  upDurationsSec?: number[];
  check?: (o: Outcome) => void;
}

const rows: Row[] = [
  { event: 'reporter start (first ever)', steps: () => [first(), sweep(10, 9)], emails: [] },
  {
    event: 'reload, no interface changed (no records; periodic snapshot unchanged)',
    steps: () => [first(), { at: S(20), boot: 'run1', records: [p(['eth0', 'eth1'], 20)] }, sweep(25, 24)],
    emails: [],
  },
  {
    event: 'reload, interfaces added/removed/changed (config records; split follows them)',
    steps: () => [
      first(),
      {
        at: S(20),
        boot: 'run1',
        records: [
          t('eth1', 'online', 'unknown', 20, 'config'),
          t('eth1', 'unknown', 'online', 20, 'config'),
          t('eth2', 'unknown', 'online', 20, 'config'),
          p(['eth0'], 20.2),
        ],
      },
      { at: S(23), boot: 'run1', records: [p(['eth0', 'eth1'], 23)] },
      sweep(25, 24),
    ],
    emails: [],
    check: (o) => assert.ok(o.dispositions.includes('policy_change:lifecycle'), o.dispositions.join()),
  },
  {
    event: 'clean stop, silent for an hour',
    steps: () => [
      first(),
      {
        at: S(30),
        boot: 'run1',
        records: [t('eth0', 'online', 'unknown', 30, 'stop'), t('eth1', 'online', 'unknown', 30, 'stop'), p([], 30)],
      },
      sweep(60, 30, { liveBoot: 'run1' }),
      sweep(3600, 30, { liveBoot: 'run1' }),
    ],
    emails: [],
    reachRows: [],
    check: (o) => assert.deepEqual(o.state.stopped, { bootId: 'run1', atMs: S(30) }),
  },
  {
    event: 'clean stop, then start: stopped ends, then a real silence is unreachable',
    steps: () => [
      first(),
      {
        at: S(30),
        boot: 'run1',
        records: [t('eth0', 'online', 'unknown', 30, 'stop'), t('eth1', 'online', 'unknown', 30, 'stop')],
      },
      {
        at: S(100),
        boot: 'run2',
        records: [t('eth0', 'online', 'online', 100, 'start'), t('eth1', 'online', 'online', 100, 'start')],
      },
      sweep(120, 101, { liveBoot: 'run2' }),
    ],
    emails: ['device_unreachable'],
    reachRows: ['unreachable'],
  },
  {
    event: 'crash + restart within the watchdog',
    steps: () => [
      first(),
      sweep(15, 10),
      {
        at: S(16),
        boot: 'run2',
        records: [
          t('eth0', 'online', 'online', 16, 'start'),
          t('eth1', 'online', 'online', 16, 'start'),
          p(['eth0', 'eth1'], 16),
        ],
      },
      sweep(20, 16, { liveBoot: 'run2' }),
    ],
    emails: [],
  },
  {
    event: 'crash + restart beyond the watchdog (really silent)',
    steps: () => [
      first(),
      sweep(30, 10),
      {
        at: S(60),
        boot: 'run2',
        records: [
          t('eth0', 'online', 'online', 60, 'start'),
          t('eth1', 'online', 'online', 60, 'start'),
          p(['eth0', 'eth1'], 60),
        ],
      },
      sweep(61, 60, { liveBoot: 'run2' }),
    ],
    emails: ['device_unreachable', 'device_back_online'],
    reachRows: ['unreachable'],
  },
  {
    event: 'power cut, new boot within the watchdog (spool back-filled)',
    steps: () => [
      first(),
      {
        at: S(12),
        boot: 'run2',
        records: [t('eth0', 'unknown', 'online', 11, 'start'), t('eth1', 'online', 'online', 11, 'start')],
      },
      sweep(20, 12, { liveBoot: 'run2' }),
    ],
    emails: [],
  },
  {
    event: 'backend restart shorter than the watchdog',
    steps: () => [
      first(),
      sweep(5, 4),
      sweep(14, 4, { blind: { blindNow: false, gaps: [gap(5, 13), gap(5, 13, 'sweep')] } }),
      sweep(20, 19),
    ],
    emails: [],
  },
  {
    event: 'backend restart longer than the watchdog (device reports within the allowance)',
    steps: () => {
      const b = { blindNow: false, gaps: [gap(5, 35), gap(5, 35, 'sweep')] };
      return [
        first(),
        sweep(5, 4, { blind: { blindNow: true, gaps: [] } }),
        sweep(20, 4, { blind: { blindNow: true, gaps: [] } }),
        sweep(36, 4, { blind: b }),
        sweep(60, 4, { blind: b }),
        sweep(80, 79, { blind: b }),
      ];
    },
    emails: [],
    reachRows: [],
  },
  {
    event: 'backend restart longer than the watchdog (device really silent: unreachable after the allowance)',
    steps: () => {
      const b = { blindNow: false, gaps: [gap(5, 35)] };
      const due = 35 + 15 + allowanceSec(30);
      return [first(), sweep(36, 4, { blind: b }), sweep(due - 1, 4, { blind: b }), sweep(due, 4, { blind: b })];
    },
    emails: ['device_unreachable'],
    reachRows: ['unreachable'],
  },
  {
    event: 'Redis restart (beat keys kept: a gap)',
    steps: () => [first(), sweep(30, 4, { blind: { blindNow: false, gaps: [gap(4.5, 29)] } }), sweep(40, 39)],
    emails: [],
  },
  {
    event: 'InfluxDB outage of 5 minutes (reports answered 503)',
    steps: () => {
      const during = { blindNow: true, gaps: [] };
      const after = { blindNow: false, gaps: [gap(5, 305)] };
      return [
        first(),
        sweep(100, 4, { blind: during }),
        sweep(300, 4, { blind: during }),
        sweep(306, 4, { blind: after }),
        sweep(340, 339, { blind: after }),
      ];
    },
    emails: [],
    reachRows: [],
  },
  {
    event: 'rolling deploy of several API processes (one always beats: no gap)',
    steps: () => [first(), sweep(10, 9), sweep(20, 19), sweep(30, 29)],
    emails: [],
  },
  {
    event: 'real outage spanning a reporter crash + restart',
    steps: () => [
      first(),
      {
        at: S(10),
        boot: 'run1',
        records: [t('eth1', 'online', 'disconnecting', 9), t('eth1', 'disconnecting', 'offline', 10), p(['eth0'], 10)],
      },
      {
        at: S(40),
        boot: 'run2',
        records: [
          t('eth0', 'online', 'online', 40, 'start'),
          t('eth1', 'offline', 'online', 40, 'start'),
          p(['eth0', 'eth1'], 40),
        ],
      },
      {
        at: S(46),
        boot: 'run2',
        records: [t('eth1', 'online', 'disconnecting', 44), t('eth1', 'disconnecting', 'offline', 46), p(['eth0'], 46)],
      },
      { at: S(90), boot: 'run2', records: [t('eth1', 'offline', 'online', 90), p(['eth0', 'eth1'], 90)] },
    ],
    emails: ['link_down', 'link_up'],
    upDurationsSec: [80],
  },
  {
    event: 'real outage spanning a restart, link back while the reporter was down (confirming track)',
    steps: () => [
      first(),
      { at: S(10), boot: 'run1', records: [t('eth1', 'online', 'offline', 10), p(['eth0'], 10)] },
      {
        at: S(40),
        boot: 'run2',
        records: [
          t('eth0', 'online', 'online', 40, 'start'),
          t('eth1', 'offline', 'online', 40, 'start'),
          p(['eth0', 'eth1'], 40),
        ],
      },
      { at: S(45), boot: 'run2', records: [t('eth1', 'offline', 'online', 45)] },
    ],
    emails: ['link_down', 'link_up'],
    upDurationsSec: [35],
  },
  {
    event: 'real outage spanning a clean stop + start and a backend gap',
    steps: () => [
      first(),
      { at: S(10), boot: 'run1', records: [t('eth1', 'online', 'offline', 10), p(['eth0'], 10)] },
      {
        at: S(30),
        boot: 'run1',
        records: [t('eth0', 'online', 'unknown', 30, 'stop'), t('eth1', 'offline', 'unknown', 30, 'stop')],
      },
      sweep(50, 30, { liveBoot: 'run1', blind: { blindNow: false, gaps: [gap(32, 48)] } }),
      {
        at: S(60),
        boot: 'run2',
        records: [
          t('eth0', 'online', 'online', 60, 'start'),
          t('eth1', 'offline', 'online', 60, 'start'),
          p(['eth0', 'eth1'], 60),
        ],
      },
      {
        at: S(66),
        boot: 'run2',
        records: [t('eth1', 'online', 'disconnecting', 64), t('eth1', 'disconnecting', 'offline', 66), p(['eth0'], 66)],
      },
      { at: S(70), boot: 'run2', records: [t('eth1', 'unknown', 'online', 70, 'config')] },
      { at: S(100), boot: 'run2', records: [t('eth1', 'offline', 'online', 100), p(['eth0', 'eth1'], 100)] },
    ],
    emails: ['link_down', 'link_up'],
    upDurationsSec: [90],
  },
  {
    event: 'repeated restarts during an outage do not count for flapping (max 3 changes)',
    steps: () => {
      const steps: Step[] = [first(), { at: S(10), boot: 'run1', records: [t('eth1', 'online', 'offline', 10)] }];
      for (let i = 0; i < 6; i++) {
        const at = 20 + i * 10;
        steps.push({
          at: S(at),
          boot: `r${i}`,
          records: [t('eth1', 'offline', 'online', at, 'start'), t('eth1', 'online', 'offline', at + 3)],
        });
      }
      steps.push({ at: S(200), boot: 'r5', records: [t('eth1', 'offline', 'online', 200)] });
      return steps;
    },
    emails: ['link_down', 'link_up'],
    upDurationsSec: [190],
  },
];

describe('lifecycle events (docs/alerts.md table)', () => {
  for (const row of rows) {
    it(`${row.event} -> ${row.emails.join(' + ') || 'no email'}`, () => {
      seq = 100;
      const o = run(row.steps());
      assert.deepEqual(o.emails, row.emails, o.dispositions.join(', '));
      if (row.reachRows) assert.deepEqual(o.reachRows, row.reachRows);
      if (row.upDurationsSec)
        assert.deepEqual(
          o.upDurationsMs,
          row.upDurationsSec.map((x) => x * 1000),
        );
      row.check?.(o);
    });
  }
});

describe('transitionRole', () => {
  const table: Array<[string, boolean, string]> = [
    ['track', true, 'confirmed'],
    ['ifup', false, 'confirmed'],
    ['ifdown', true, 'confirmed'],
    ['mwan3', true, 'confirmed'],
    ['start', true, 'ignore'],
    ['stop', true, 'ignore'],
    ['config', true, 'ignore'],
    ['start', false, 'first'],
    ['config', false, 'first'],
  ];
  for (const [reason, known, want] of table)
    it(`${reason}, known=${known} -> ${want}`, () => assert.equal(transitionRole(reason, known), want));
  it('a never-seen link takes the carried state of `start`, else `to`', () => {
    const a = applyDeviceEvents(
      emptyDeviceState('d'),
      job('d', [tr(1, 'eth0', 'offline', 'online', T0, { reason: 'start' })]),
      T0,
      opts,
    );
    assert.equal(a.state.ifaces.get('eth0')!.state, 'offline');
    assert.equal(a.state.ifaces.get('eth0')!.routed, false);
    const b = applyDeviceEvents(
      emptyDeviceState('d'),
      job('d', [tr(1, 'eth0', 'unknown', 'online', T0, { reason: 'start' })]),
      T0,
      opts,
    );
    assert.equal(b.state.ifaces.get('eth0')!.routed, true);
    assert.deepEqual([...a.added, ...b.added], []);
  });
});

describe('stopped (trackRun)', () => {
  const table: Array<[string, Array<[string, string, TransitionRecord['reason'], TransitionRecord['to']]>, boolean]> = [
    [
      'every interface of the run ended with stop',
      [
        ['r1', 'a', 'stop', 'unknown'],
        ['r1', 'b', 'stop', 'unknown'],
      ],
      true,
    ],
    [
      'one interface still running',
      [
        ['r1', 'a', 'start', 'online'],
        ['r1', 'b', 'start', 'online'],
        ['r1', 'a', 'stop', 'unknown'],
      ],
      false,
    ],
    [
      'a removed interface does not count',
      [
        ['r1', 'a', 'start', 'online'],
        ['r1', 'b', 'config', 'unknown'],
        ['r1', 'a', 'stop', 'unknown'],
      ],
      true,
    ],
    [
      'a new run ends stopped',
      [
        ['r1', 'a', 'stop', 'unknown'],
        ['r2', 'a', 'start', 'online'],
      ],
      false,
    ],
    ['no interface yet', [], false],
  ];
  for (const [name, recs, want] of table) {
    it(`${name} -> ${want ? 'stopped' : 'not stopped'}`, () => {
      const s = emptyDeviceState('d');
      if (recs.length === 0) trackRun(s, job('d', [], { bootId: 'r1' }));
      recs.forEach(([boot, iface, reason, to], i) =>
        trackRun(s, job('d', [tr(i + 1, iface, 'online', to, T0, { reason })], { bootId: boot })),
      );
      assert.equal(s.stopped !== null, want);
    });
  }
  it('the sweep leaves a stopped device alone until another run is heard', () => {
    const s = emptyDeviceState('d');
    trackRun(
      s,
      job('d', [tr(1, 'a', 'online', 'unknown', T0, { reason: 'stop' })], { bootId: 'r1', receivedAtMs: T0 }),
    );
    const input = (liveBootId: string | null) => ({ lastSeenMs: T0, reportIntervalMs: 1000, liveBootId });
    assert.equal(sweepDevice(s, input('r1'), T0 + 3_600_000, [], opts).reachChange, null);
    assert.equal(sweepDevice(s, input(null), T0 + 3_600_000, [], opts).reachChange, null);
    assert.equal(sweepDevice(s, input('r2'), T0 + 3_600_000, [], opts).reachChange, 'unreachable');
  });
});

describe('policyQuiet', () => {
  const view = (active: string[], members = ['eth0', 'eth1']) => ({ text: active.join() || 'none', active, members });
  const routed = (m: Record<string, boolean>) => (i: string) => (i in m ? m[i] : undefined);
  const table: Array<
    [string, 'none' | 'lifecycle' | 'confirmed', string[], Record<string, boolean>, string | undefined]
  > = [
    ['lifecycle only', 'lifecycle', ['eth0'], { eth0: true }, 'lifecycle'],
    ['confirmed change, consistent', 'confirmed', ['eth0'], { eth0: true, eth1: false }, undefined],
    ['confirmed change, traffic on a down link', 'confirmed', ['eth1'], { eth0: true, eth1: false }, 'inconsistent'],
    ['no transitions, no link while one is up', 'none', [], { eth0: true, eth1: false }, 'inconsistent'],
    ['no transitions, consistent share change', 'none', ['eth0', 'eth1'], { eth0: true, eth1: true }, undefined],
    ['unknown links never contradict', 'none', ['eth9'], {}, undefined],
  ];
  for (const [name, since, active, m, want] of table)
    it(`${name} -> ${want ?? 'emailed'}`, () =>
      assert.equal(policyQuiet(since, [['P/ipv4', view(active)]], routed(m)), want));
});

describe('backend blindness', () => {
  const o = { reporterBackoffBaseMs: 1_000, reporterBackoffMaxMs: 300_000 };
  it('blindNow table', () => {
    assert.equal(blindNow(null, T0, 5_000), false, 'no API heartbeat ever: cannot judge');
    assert.equal(blindNow(T0 - 5_001, T0, 5_000), true);
    assert.equal(blindNow(T0 - 5_000, T0, 5_000), false);
  });
  it('allowance = min(max, 4 × gap + 2 × base)', () => {
    assert.equal(retryAllowanceMs({ source: 'api', startMs: 0, endMs: 10_000 }, o), 42_000);
    assert.equal(retryAllowanceMs({ source: 'api', startMs: 0, endMs: 30_000 }, o), 122_000);
    assert.equal(retryAllowanceMs({ source: 'sweep', startMs: 0, endMs: 3_600_000 }, o), 300_000);
  });
  it('unreachableNotBeforeMs table', () => {
    const g = { source: 'api' as const, startMs: T0, endMs: T0 + 30_000 };
    assert.equal(unreachableNotBeforeMs(T0 - 1, 15_000, [], o), T0 + 14_999, 'no gap');
    assert.equal(
      unreachableNotBeforeMs(T0 - 1, 15_000, [g], o),
      T0 + 30_000 + 15_000 + 122_000,
      'heard before the gap ended',
    );
    assert.equal(
      unreachableNotBeforeMs(T0 + 31_000, 15_000, [g], o),
      T0 + 46_000,
      'heard after the gap: back-off reset',
    );
  });
});
