import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IfaceState } from '../../contract/index.ts';
import { judgeReporterLiveness, livenessLine } from '../status/reporter-liveness.ts';
import type { StatusFileV1 } from '../status/status-file.ts';
import type { TrackedInterface } from '../tracker/scheduler.ts';
import { withDefaults } from '../tracker/tracking-options.ts';
import { CARRIED_STATE_FILE, openCarriedStateStore } from './carried-state.ts';
import { parseHotplugEvent } from './hotplug-listener.ts';
import { policySnapshotReady } from './policy-readiness.ts';
import { diffTrackedInterfaces } from './reload-diff.ts';
import { confirmRound, confirmTransition, openConfirmation, type Confirmation } from './restart-confirmation.ts';

const OPTS = { up: 3, down: 2 };
type Round = [IfaceState, boolean];
/** Feeds rounds to a fresh confirmation; returns what each round emitted/persisted. */
function feed(carried: Confirmation['carried'], start: IfaceState, rounds: Round[]) {
  let c = openConfirmation(carried, start);
  const out: string[] = [];
  for (const [state, roundOk] of rounds) {
    const step = confirmRound(c, { state, roundOk }, OPTS);
    c = step.next;
    out.push(
      [step.emit ? `emit ${step.emit.from}>${step.emit.to}` : '', step.persist ? `persist ${step.persist}` : '']
        .filter(Boolean)
        .join(', ') || '-',
    );
  }
  return { out, done: c.done };
}

describe('restart confirmation (carried state vs. probe evidence)', () => {
  it('follows its truth table', () => {
    // carried offline, initial_state online, link healthy: one track offline>online after `up` good rounds
    assert.deepEqual(
      feed('offline', 'online', [
        ['online', true],
        ['online', true],
        ['online', true],
        ['online', true],
      ]).out,
      ['-', '-', 'emit offline>online, persist online', '-'],
    );
    // a failed round in between resets the count
    assert.deepEqual(
      feed('offline', 'online', [
        ['online', true],
        ['disconnecting', false],
        ['online', true],
        ['online', true],
        ['online', true],
      ]).out,
      ['-', '-', '-', '-', 'emit offline>online, persist online'],
    );
    // carried online, initial_state offline, link dead: track online>offline after `down` failed rounds
    assert.deepEqual(
      feed('online', 'offline', [
        ['offline', false],
        ['offline', false],
      ]).out,
      ['-', 'emit online>offline, persist offline'],
    );
    // carried = initial state: nothing to confirm
    const same = feed('online', 'online', [
      ['online', true],
      ['online', true],
      ['online', true],
    ]);
    assert.deepEqual(same.out, ['-', '-', '-']);
    assert.equal(same.done, true);
    // nothing carried (first run): persisted silently once confirmed, never emitted
    assert.deepEqual(
      feed('unknown', 'online', [
        ['online', true],
        ['online', true],
        ['online', true],
      ]).out,
      ['-', '-', 'persist online'],
    );
    // rounds that disagree with the state never confirm
    assert.deepEqual(
      feed('offline', 'online', [
        ['online', false],
        ['offline', true],
        ['connecting', true],
      ]).out,
      ['-', '-', '-'],
    );
  });

  it("ends the wait when the tracker's own confirmed transition tells the truth", () => {
    const c = openConfirmation('offline', 'online');
    assert.equal(confirmTransition(c, { to: 'disconnecting', reason: 'track' }).done, false);
    assert.equal(confirmTransition(c, { to: 'offline', reason: 'track' }).done, true);
    assert.equal(confirmTransition(c, { to: 'offline', reason: 'ifdown' }).done, true);
    assert.equal(confirmTransition(c, { to: 'online', reason: 'start' }).done, false, 'lifecycle is no evidence');
    assert.equal(confirmTransition(c, { to: 'unknown', reason: 'stop' }).done, false);
  });
});

describe('carried-state store', () => {
  it('persists every change atomically and reads it back in the next run; junk reads as nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ww-carried-'));
    try {
      const errors: unknown[] = [];
      const a = openCarriedStateStore(dir, (e) => errors.push(e));
      assert.equal(a.get('wan'), 'unknown');
      a.set('wan', 'offline');
      a.set('__proto__', 'online');
      const b = openCarriedStateStore(dir, (e) => errors.push(e));
      assert.equal(b.get('wan'), 'offline');
      assert.equal(b.get('__proto__'), 'online', 'names are data');
      assert.equal(b.get('toString'), 'unknown');
      assert.deepEqual(JSON.parse(readFileSync(join(dir, CARRIED_STATE_FILE), 'utf8')).v, 1);
      writeFileSync(join(dir, CARRIED_STATE_FILE), '{"links":[["wan","sideways"],[1,"online"]]}');
      assert.equal(openCarriedStateStore(dir, () => {}).get('wan'), 'unknown');
      writeFileSync(join(dir, CARRIED_STATE_FILE), '{not json');
      assert.equal(openCarriedStateStore(dir, () => {}).get('wan'), 'unknown');
      assert.deepEqual(errors, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('reload diff', () => {
  const iface = (
    name: string,
    device: string | undefined,
    o: Parameters<typeof withDefaults>[0],
  ): TrackedInterface => ({
    name,
    ...(device ? { device } : {}),
    options: withDefaults({ trackIps: ['192.0.2.1'], ...o }),
  });
  it('keeps unchanged interfaces, restarts changed ones, starts added ones, ends removed ones', () => {
    const before = [
      iface('wan', 'eth0', {}),
      iface('wanb', 'eth1', {}),
      iface('lte', 'wwan0', {}),
      iface('old', 'eth3', {}),
    ];
    const after = [
      iface('wan', 'eth0', {}),
      iface('wanb', 'eth1', { intervalS: 5 }),
      iface('lte', 'wwan1', {}),
      iface('new', 'eth4', {}),
    ];
    // the same options built in another key order are equal
    after[0] = {
      ...after[0]!,
      options: Object.fromEntries(Object.entries(after[0]!.options).reverse()) as TrackedInterface['options'],
    };
    const d = diffTrackedInterfaces(before, after);
    assert.deepEqual(
      d.unchanged.map((i) => i.name),
      ['wan'],
    );
    assert.deepEqual(
      d.changed.map((i) => i.name),
      ['wanb', 'lte'],
    );
    assert.deepEqual(
      d.added.map((i) => i.name),
      ['new'],
    );
    assert.deepEqual(d.removed, ['old']);
    const same = diffTrackedInterfaces(before, before);
    assert.equal(same.unchanged.length, 4);
    assert.equal(same.changed.length + same.added.length + same.removed.length, 0);
  });
});

describe('policy snapshot readiness', () => {
  it('is ready only when every tracked interface has a state other than unknown', () => {
    const m = (o: Record<string, IfaceState>) => new Map(Object.entries(o));
    assert.equal(policySnapshotReady([], m({})), true);
    assert.equal(policySnapshotReady(['wan', 'wanb'], m({ wan: 'online', wanb: 'offline' })), true);
    assert.equal(policySnapshotReady(['wan', 'wanb'], m({ wan: 'online' })), false);
    assert.equal(policySnapshotReady(['wan', 'wanb'], m({ wan: 'online', wanb: 'unknown' })), false);
    assert.equal(policySnapshotReady(['wan'], m({ wan: 'disconnecting', other: 'unknown' })), true);
  });
});

describe('hotplug event files', () => {
  it('accepts "<ifup|ifdown> <iface>" in a file named after the interface, nothing else', () => {
    assert.deepEqual(parseHotplugEvent('wan', 'ifdown wan\n'), { action: 'ifdown', iface: 'wan' });
    assert.deepEqual(parseHotplugEvent('wan_6', 'ifup wan_6'), { action: 'ifup', iface: 'wan_6' });
    assert.equal(parseHotplugEvent('wan', 'ifupdate wan'), undefined);
    assert.equal(parseHotplugEvent('wan', 'ifdown wanb'), undefined);
    assert.equal(parseHotplugEvent('wan', 'ifdown wan extra'), undefined);
    assert.equal(parseHotplugEvent('a;b', 'ifdown a;b'), undefined);
  });
});

describe('reporter liveness (status)', () => {
  const file = (o: Partial<StatusFileV1>): StatusFileV1 => ({ v: 1, timeMs: 100_000, ifaces: {}, policies: [], ...o });
  const alive = (pid: number) => pid === 42;
  it('follows its truth table', () => {
    const j = (f: StatusFileV1 | undefined, now: number) => judgeReporterLiveness(f, now, alive);
    assert.deepEqual(j(undefined, 0), { kind: 'not-running', why: 'no status file' });
    assert.equal(j(file({ pid: 42, stoppedMs: 99_000 }), 101_000).kind, 'not-running');
    assert.deepEqual(j(file({ pid: 7, writeEveryMs: 1000 }), 165_000), {
      kind: 'not-running',
      why: 'process gone',
      ageS: 65,
      pid: 7,
    });
    // limit = 3 x writeEveryMs + 1 s
    assert.equal(j(file({ pid: 42, writeEveryMs: 1000 }), 104_000).kind, 'live');
    assert.equal(j(file({ pid: 42, writeEveryMs: 1000 }), 104_001).kind, 'stale');
    assert.equal(j(file({}), 131_000).kind, 'live', 'no pid, no interval: 3 x 10 s + 1 s');
    assert.equal(j(file({}), 131_001).kind, 'stale');
  });
  it('says it plainly', () => {
    assert.equal(
      livenessLine({ kind: 'not-running', why: 'process gone', pid: 7, ageS: 65 }),
      'Reporter: no reporter running (pid 7 gone; last update 65 s ago); states unknown',
    );
    assert.match(
      livenessLine({ kind: 'stale', ageS: 40, pid: 42 }),
      /^Reporter: state is stale \(last update 40 s ago\)/,
    );
    assert.equal(livenessLine({ kind: 'live', pid: 42, ageS: 1 }), 'Reporter: running (pid 42), last update 1 s ago');
  });
});
