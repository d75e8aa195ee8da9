import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyRound, firstConnect, type ScoreOptions } from './score-machine.ts';

/**
 * An independent statement of mwan3track's observable behaviour (docs/mwan3-reference.md, "The score state machine", consequences),
 * in terms of consecutive runs instead of score arithmetic: from routed, exactly `down`
 * consecutive failures un-route; from un-routed, exactly `up` consecutive successes route; the
 * sleep depends only on the round's verdict and whether the interface was routed before it.
 */
function reference(opts: ScoreOptions, rounds: boolean[]) {
  let routed = opts.initialState === 'online';
  let failRun = 0;
  let okRun = 0;
  return rounds.map((ok) => {
    const wasRouted = routed;
    let sleepS: number;
    if (routed) {
      sleepS = ok ? opts.intervalS : opts.failureIntervalS;
      failRun = ok ? 0 : failRun + 1;
      if (failRun === opts.down) [routed, okRun, failRun] = [false, 0, 0];
    } else {
      sleepS = ok ? opts.recoveryIntervalS : opts.keepFailureInterval ? opts.failureIntervalS : opts.intervalS;
      okRun = ok ? okRun + 1 : 0;
      if (okRun === opts.up) [routed, okRun, failRun] = [true, 0, 0];
    }
    const reported = routed ? (failRun > 0 ? 'disconnecting' : 'online') : okRun > 0 ? 'connecting' : 'offline';
    return { routed, sleepS, reported, wasRouted };
  });
}

describe('score machine vs the run-length statement of mwan3track (property)', () => {
  it('agrees on routing, its timing, sleep intervals and reported state for any round sequence', () => {
    fc.assert(
      fc.property(
        fc.record({
          up: fc.integer({ min: 1, max: 6 }),
          down: fc.integer({ min: 1, max: 6 }),
          initialState: fc.constantFrom('online' as const, 'offline' as const),
          keepFailureInterval: fc.boolean(),
        }),
        fc.array(fc.boolean(), { maxLength: 80 }),
        (o, rounds) => {
          const opts: ScoreOptions = { ...o, intervalS: 10, failureIntervalS: 3, recoveryIntervalS: 2 };
          const want = reference(opts, rounds);
          let s = firstConnect(opts);
          rounds.forEach((ok, i) => {
            const r = applyRound(s, ok, ok ? 0 : 1, opts);
            s = r.state;
            const w = want[i]!;
            assert.equal(s.routed, w.routed, `round ${i} routed`);
            assert.equal(r.sleepS, w.sleepS, `round ${i} sleep`);
            assert.equal(s.reported, w.reported, `round ${i} reported`);
            assert.ok(s.score >= 0 && s.score <= opts.up + opts.down);
            // mwan3's own events: connected/disconnected exactly when routing changes
            assert.equal(r.mwan3Events.includes('disconnected'), w.wasRouted && !w.routed);
            assert.equal(r.mwan3Events.includes('connected'), !w.wasRouted && w.routed);
          });
        },
      ),
      { numRuns: 400 },
    );
  });
});
