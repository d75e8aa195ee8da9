import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startOnFreePorts } from '../free-port.ts';

/** A start that fails `failures` times with the given log line, then succeeds. */
function flaky(failures: number, log: string) {
  let calls = 0;
  return {
    start: async () => {
      calls++;
      if (calls <= failures) throw new Error('service exited');
      return 'up';
    },
    log: () => log,
    calls: () => calls,
  };
}

describe('startOnFreePorts', () => {
  it('starts again on new ports when a port was taken meanwhile, at most three times', async () => {
    const clash = 'listen tcp 127.0.0.1:46127: bind: address already in use';
    const twice = flaky(2, clash);
    assert.equal(await startOnFreePorts(twice.start, twice.log, false), 'up');
    assert.equal(twice.calls(), 3);
    const always = flaky(9, clash);
    await assert.rejects(startOnFreePorts(always.start, always.log, false), /service exited/);
    assert.equal(always.calls(), 3);
  });

  it('does not retry other failures, nor fixed ports (a restart must come back where it was)', async () => {
    const other = flaky(1, 'unknown option');
    await assert.rejects(startOnFreePorts(other.start, other.log, false));
    assert.equal(other.calls(), 1);
    const fixed = flaky(1, 'Address already in use');
    await assert.rejects(startOnFreePorts(fixed.start, fixed.log, true));
    assert.equal(fixed.calls(), 1);
  });
});
