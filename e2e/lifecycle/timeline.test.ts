import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { merge, overlapMs, Timeline, describeTimeline, unknownVersusDown, upDurationMs } from './timeline.ts';

const w = (startMs: number, endMs: number) => ({ startMs, endMs });

describe('drill timeline arithmetic', () => {
  it('merges overlapping windows and measures overlap', () => {
    assert.deepEqual(merge([w(5, 8), w(0, 2), w(1, 3), w(8, 9)]), [w(0, 3), w(5, 9)]);
    assert.equal(overlapMs([w(0, 10)], [w(5, 20), w(-5, 1)]), 6);
  });

  it('unknown matching the down windows, within tolerance, passes', () => {
    // Crash at 10_000 (last record at 9_400), restart at 12_000; clean stop 20_000..25_000.
    const c = unknownVersusDown(
      [w(9_400, 12_050), w(20_010, 25_000)],
      [w(10_000, 12_000), w(20_000, 25_000)],
      2_000,
      1_000,
    );
    assert.equal(c.unknownWhileRunningMs, 0);
    assert.deepEqual(c.downNotUnknownMs, [0, 10]);
  });

  it('a crash passed off as data and unknown while running are both counted', () => {
    const c = unknownVersusDown([w(30_000, 31_000)], [w(10_000, 12_000)], 2_000, 1_000);
    assert.equal(c.unknownWhileRunningMs, 1_000);
    assert.deepEqual(c.downNotUnknownMs, [2_000]);
  });

  it('reads the duration of an UP email in whole seconds', () => {
    assert.equal(upDurationMs('[wanwatch] X: wan0 UP after 1m 05s — traffic now on wan0', 'wan0'), 65_000);
    assert.equal(upDurationMs('wan0 UP after 58s', 'wan0'), 58_000);
    assert.equal(upDurationMs('wan0 UP after 0.800s', 'wan0'), 800);
    assert.equal(upDurationMs('wan0 UP after 7.004s', 'wan0'), 7_004);
    assert.equal(upDurationMs('wan0 UP after 1d 02h 00m 01s', 'wan0'), 93_601_000);
    assert.equal(upDurationMs('wan0 UP', 'wan0'), undefined);
  });

  it('lists an email under the event going on one group wait before it arrived', () => {
    const tl = new Timeline(0);
    tl.events.push({ phase: 'p', label: 'a', startMs: 0, endMs: 10_000, notes: [] });
    tl.events.push({ phase: 'p', label: 'b', startMs: 10_000, notes: [] });
    const text = describeTimeline(tl, [{ atMs: 11_000, subject: 'S', text: '' }], 2_000);
    assert.match(text, /\] a \(took 10\.0 s\)\n {6}EMAIL at \+11\.0 s \(11\.0 s after this event began\): S\n/);
  });
});
