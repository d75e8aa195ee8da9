import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyRound, firstConnect, type ScoreOptions, type ScoreState } from './score-machine.ts';

const D5U5: ScoreOptions = {
  up: 5,
  down: 5,
  initialState: 'online',
  intervalS: 10,
  failureIntervalS: 3,
  recoveryIntervalS: 2,
  keepFailureInterval: false,
};

/** Runs a string of rounds ('o' ok, 'x' failed) and records score, states, events and sleep per round. */
function run(opts: ScoreOptions, rounds: string, start?: ScoreState) {
  let s = start ?? firstConnect(opts);
  return [...rounds].map((c) => {
    const r = applyRound(s, c === 'o', c === 'o' ? 0 : 1, opts);
    s = r.state;
    return {
      score: s.score,
      reported: s.reported,
      mwan3: s.mwan3Status,
      file: s.fileStatus,
      routed: s.routed,
      events: r.mwan3Events.join(','),
      sleepS: r.sleepS,
    };
  });
}

describe('score machine (mwan3track 2.11.7+, mwan3-reference.md)', () => {
  it('reproduces the worked example (D=5, U=5)', () => {
    // online 10 → fail 9 → fail 8 → ok 10 → fail×5 9..5 (disconnected, 0) → fail 0 → ok 1 → ok 2 → fail 0 → ok 1..5 (connected, 10)
    const rows = run(D5U5, 'xxo' + 'xxxxx' + 'x' + 'oo' + 'x' + 'ooooo');
    assert.deepEqual(
      rows.map((r) => r.score),
      [9, 8, 10, 9, 8, 7, 6, 0, 0, 1, 2, 0, 1, 2, 3, 4, 10],
    );
    assert.deepEqual(
      rows.map((r) => r.events),
      [
        'disconnecting',
        '',
        '', // first failure emits disconnecting; recovery: file online only
        '',
        '',
        '',
        '',
        'disconnected', // Quirk A: no new disconnecting event; disconnected at the 5th
        '',
        'connecting',
        '',
        '', // fail at 0; first success connecting
        '',
        '',
        '',
        '',
        'connected', // Quirk B: no new connecting event after the failure
      ],
    );
    // mwan3's own STATUS: Quirk A keeps "disconnecting" in memory while the file says online.
    assert.equal(rows[2]!.mwan3, 'disconnecting');
    assert.equal(rows[2]!.file, 'online');
    // Quirk B: mwan3 stays "connecting" after the failure; we report offline.
    assert.equal(rows[11]!.mwan3, 'connecting');
    assert.equal(rows[11]!.reported, 'offline');
    assert.deepEqual(
      rows.map((r) => r.reported),
      [
        'disconnecting',
        'disconnecting',
        'online',
        'disconnecting',
        'disconnecting',
        'disconnecting',
        'disconnecting',
        'offline',
        'offline',
        'connecting',
        'connecting',
        'offline',
        'connecting',
        'connecting',
        'connecting',
        'connecting',
        'online',
      ],
    );
    // Routing changes only at disconnected/connected.
    assert.deepEqual(
      rows.map((r) => r.routed),
      [true, true, true, true, true, true, true, false, false, false, false, false, false, false, false, false, true],
    );
  });

  it('chooses the sleep interval by situation', () => {
    const rows = run(D5U5, 'oxo' + 'xxxxx' + 'x' + 'ooooo');
    assert.deepEqual(
      rows.map((r) => r.sleepS),
      [10, 3, 10, 3, 3, 3, 3, 3, 10, 2, 2, 2, 2, 2],
    );
    const keep = run({ ...D5U5, keepFailureInterval: true }, 'xxxxx' + 'xx');
    assert.deepEqual(
      keep.map((r) => r.sleepS),
      [3, 3, 3, 3, 3, 3, 3],
    );
  });

  it('takes exactly D failures from online and U successes from offline', () => {
    for (const [down, up] of [
      [1, 3],
      [3, 1],
      [2, 2],
      [1, 1],
      [5, 5],
    ] as const) {
      const opts = { ...D5U5, down, up };
      const fails = run(opts, 'x'.repeat(down));
      assert.equal(
        fails.findIndex((r) => r.reported === 'offline'),
        down - 1,
        `down=${down}`,
      );
      const back = run(opts, 'o'.repeat(up), fails.length ? undefined : undefined);
      assert.ok(back.every((r) => r.reported === 'online'));
      let s = firstConnect(opts);
      for (let i = 0; i < down; i++) s = applyRound(s, false, 1, opts).state;
      assert.equal(s.reported, 'offline');
      const rec = run(opts, 'o'.repeat(up), s);
      assert.equal(
        rec.findIndex((r) => r.reported === 'online'),
        up - 1,
        `up=${up}`,
      );
      assert.equal(rec.at(-1)!.score, up + down);
    }
  });

  it('seed settings (down 1, up 3): one failure goes straight to offline with both events', () => {
    const opts = { ...D5U5, down: 1, up: 3 };
    const rows = run(opts, 'xooo');
    assert.deepEqual(
      rows.map((r) => r.reported),
      ['offline', 'connecting', 'connecting', 'online'],
    );
    assert.equal(rows[0]!.events, 'disconnecting,disconnected');
  });

  it('initial_state offline starts at score 0, offline, and needs U successes', () => {
    const opts: ScoreOptions = { ...D5U5, initialState: 'offline', up: 2 };
    const s0 = firstConnect(opts);
    assert.deepEqual([s0.score, s0.reported, s0.routed], [0, 'offline', false]);
    const rows = run(opts, 'xoxoo');
    assert.deepEqual(
      rows.map((r) => r.reported),
      ['offline', 'connecting', 'offline', 'connecting', 'online'],
    );
    assert.deepEqual(
      rows.map((r) => r.events),
      ['', 'connecting', '', '', 'connected'],
    );
  });

  it('initial_state online starts fully online (score up+down)', () => {
    const s = firstConnect(D5U5);
    assert.deepEqual([s.score, s.reported, s.routed], [10, 'online', true]);
  });

  it('counts lost targets until a success, and turn since connected', () => {
    let s = firstConnect(D5U5);
    s = applyRound(s, false, 2, D5U5).state;
    s = applyRound(s, false, 1, D5U5).state;
    assert.equal(s.lost, 3);
    assert.equal(s.turn, 2);
    s = applyRound(s, true, 0, D5U5).state;
    assert.equal(s.lost, 0);
  });
});
