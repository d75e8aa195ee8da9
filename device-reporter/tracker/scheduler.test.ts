import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SampleRecord, TransitionRecord } from '../../contract/index.ts';
import { startTrackers, type TrackedInterface } from './scheduler.ts';
import type { ProbeRequest, ProbeResult, Prober } from './prober.ts';
import { withDefaults } from './tracking-options.ts';

/** Virtual clock: sleeping advances time and yields, so loops interleave in time order-ish. */
function fakeClock() {
  let now = Date.UTC(2026, 0, 1);
  return {
    nowMs: () => now,
    sleep: async (ms: number) => {
      now += ms;
      await new Promise((r) => setImmediate(r));
    },
  };
}

function scriptedProber(
  script: (req: ProbeRequest, call: number) => boolean | 'throw',
): Prober & { calls: ProbeRequest[] } {
  const calls: ProbeRequest[] = [];
  return {
    calls,
    async probe(req) {
      calls.push(req);
      const r = script(req, calls.length);
      if (r === 'throw') throw new Error('boom');
      const ok: ProbeResult = {
        target: req.target,
        ok: true,
        sent: req.count,
        received: req.count,
        lossPct: 0,
        rttAvgMs: 10,
        rttMinMs: 9,
        rttMaxMs: 11,
      };
      return r ? ok : { ...ok, ok: false, received: 0, lossPct: 100, rttAvgMs: null, rttMinMs: null, rttMaxMs: null };
    },
  };
}

async function runUntil(ifaces: TrackedInterface[], prober: Prober, samplesWanted: number) {
  const clock = fakeClock();
  const samples: Omit<SampleRecord, 'seq'>[] = [];
  const transitions: Omit<TransitionRecord, 'seq'>[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const t = startTrackers({
    interfaces: ifaces,
    prober,
    nowMs: clock.nowMs,
    sleep: clock.sleep,
    onSample: (s) => {
      samples.push(s);
      if (samples.length === samplesWanted) done();
    },
    onTransition: (tr) => transitions.push(tr),
  });
  await finished;
  const states = t.states();
  await t.stop();
  return { samples, transitions, states, snapshots: t.snapshots() };
}

describe('startTrackers', () => {
  it('runs one loop per interface, probes in order until reliability, emits start and track transitions', async () => {
    const wan = {
      name: 'wan',
      device: 'eth0',
      options: withDefaults({ trackIps: ['a', 'b', 'c'], reliability: 2, down: 2, up: 2, intervalS: 5 }),
    };
    const wanb = { name: 'wanb', device: 'eth1', options: withDefaults({ trackIps: ['x'], intervalS: 7 }) };
    // 'a' always fails, 'b' and 'c' up -> wan rounds ok (3 probes each); wanb always ok.
    const prober = scriptedProber((req) => req.target !== 'a');
    const r = await runUntil([wan, wanb], prober, 6);
    assert.deepEqual(
      r.transitions.map((t) => [t.iface, t.from, t.to, t.reason]),
      [
        ['wan', 'unknown', 'online', 'start'],
        ['wanb', 'unknown', 'online', 'start'],
      ],
    );
    const wanSample = r.samples.find((s) => s.iface === 'wan')!;
    assert.deepEqual(
      wanSample.targets.map((t) => t.status),
      ['down', 'up', 'up'],
    );
    assert.equal(wanSample.roundOk, true);
    assert.equal(wanSample.device, 'eth0');
    assert.equal(wanSample.lossPct, 33.333);
    assert.ok(prober.calls.every((c) => (c.target === 'x' ? c.device === 'eth1' : c.device === 'eth0')));
    assert.deepEqual(r.states, { wan: 'online', wanb: 'online' });
  });

  it('honours intervals: failure_interval while disconnecting, recovery_interval while connecting', async () => {
    const opts = withDefaults({
      trackIps: ['t'],
      down: 2,
      up: 2,
      intervalS: 10,
      failureIntervalS: 3,
      recoveryIntervalS: 1,
    });
    // rounds: ok, fail, fail (offline), ok, ok (online), ok
    const pattern = [true, false, false, true, true, true];
    const prober = scriptedProber((_req, call) => pattern[call - 1] ?? true);
    const r = await runUntil([{ name: 'wan', options: opts }], prober, 6);
    const t0 = r.transitions[0]!.timeMs;
    assert.deepEqual(
      r.samples.map((s) => s.timeMs - t0),
      [0, 10_000, 13_000, 16_000, 17_000, 18_000],
    );
    assert.deepEqual(
      r.samples.map((s) => s.state),
      ['online', 'disconnecting', 'offline', 'connecting', 'online', 'online'],
    );
    assert.deepEqual(
      r.transitions.map((t) => `${t.from}>${t.to}@${t.timeMs - t0}`),
      [
        'unknown>online@0',
        'online>disconnecting@10000',
        'disconnecting>offline@13000',
        'offline>connecting@16000',
        'connecting>online@17000',
      ],
    );
    assert.ok(r.transitions.slice(1).every((t) => t.reason === 'track'));
  });

  it('a throwing prober fails the target, not the loop; the other interface is unaffected', async () => {
    const a = { name: 'a', options: withDefaults({ trackIps: ['bad'], down: 1, up: 1 }) };
    const b = { name: 'b', options: withDefaults({ trackIps: ['good'] }) };
    const prober = scriptedProber((req) => (req.target === 'bad' ? 'throw' : true));
    const r = await runUntil([a, b], prober, 4);
    assert.equal(r.states.a, 'offline');
    assert.equal(r.states.b, 'online');
    assert.equal(r.snapshots.a!.routed, false);
  });

  it('check_quality end to end: a neutral-band target fails the round; a slow but answering link goes offline', async () => {
    const opts = withDefaults({ trackIps: ['slow', 'ok'], reliability: 2, checkQuality: true, down: 2, up: 1 });
    const prober: Prober = {
      async probe(req) {
        // 'slow' answers with 700 ms: above recovery_latency (500), below failure_latency (1000) -> neutral
        const rtt = req.target === 'slow' ? 700 : 20;
        return {
          target: req.target,
          ok: true,
          sent: 1,
          received: 1,
          lossPct: 0,
          rttAvgMs: rtt,
          rttMinMs: rtt,
          rttMaxMs: rtt,
        };
      },
    };
    const r = await runUntil([{ name: 'q', options: opts }], prober, 2);
    assert.deepEqual(
      r.samples.map((s) => [s.roundOk, s.state, s.targets.map((t) => t.status).join(',')]),
      [
        [false, 'disconnecting', 'skipped,up'],
        [false, 'offline', 'skipped,up'],
      ],
    );
  });

  it('stop() ends loops blocked in a real sleep promptly', async () => {
    const t = startTrackers({
      interfaces: [{ name: 'w', options: withDefaults({ trackIps: ['t'], intervalS: 3600 }) }],
      prober: scriptedProber(() => true),
      onSample: () => {},
      onTransition: () => {},
    });
    await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    await t.stop();
    assert.ok(Date.now() - t0 < 1000);
  });
});
