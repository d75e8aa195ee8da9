import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { allDown, conditionAt, storyFor } from '../demo/link-script.ts';
import { createSimulatedProber } from '../demo/simulated-prober.ts';

describe('demo link script', () => {
  const cycle = 100_000;
  it('assigns stories round-robin', () => {
    assert.deepEqual([0, 1, 2, 3].map(storyFor), ['failover', 'degraded', 'site-dark', 'failover']);
  });
  const table: Array<[Parameters<typeof conditionAt>[0], string, number, string]> = [
    ['failover', 'eth1', 19_999, 'up'],
    ['failover', 'eth1', 20_000, 'down'],
    ['failover', 'eth1', 44_999, 'down'],
    ['failover', 'eth1', 45_000, 'up'],
    ['failover', 'eth0', 30_000, 'up'],
    ['failover', 'eth1', 120_000, 'down'], // repeats every cycle
    ['degraded', 'eth0', 10_000, 'degraded'],
    ['degraded', 'eth0', 60_000, 'down'],
    ['site-dark', 'eth0', 25_000, 'down'],
  ];
  for (const [story, link, t, want] of table) {
    it(`${story}: ${link} at ${t} ms is ${want}`, () => assert.equal(conditionAt(story, link, t, cycle), want));
  }
  it('a site-dark device has no link between 20 % and 45 % of the cycle only', () => {
    assert.equal(allDown('site-dark', ['eth0', 'eth1'], 19_999, cycle), false);
    assert.equal(allDown('site-dark', ['eth0', 'eth1'], 30_000, cycle), true);
    assert.equal(allDown('failover', ['eth0', 'eth1'], 30_000, cycle), false);
  });
  it('the simulated prober answers by the script, without sending packets', async () => {
    let now = 0;
    const p = createSimulatedProber({
      story: 'failover',
      cycleMs: cycle,
      startedAtMs: 0,
      nowMs: () => now,
      random: () => 0.5,
    });
    const req = {
      target: '192.0.2.1',
      device: 'eth1',
      family: 'ipv4' as const,
      method: 'ping',
      count: 2,
      timeoutS: 0.01,
      sizeBytes: 56,
      maxTtl: 60,
    };
    const up = await p.probe(req);
    assert.equal(up.ok, true);
    assert.equal(up.received, 2);
    assert.equal(up.rttAvgMs, 15);
    now = 30_000;
    const down = await p.probe(req);
    assert.deepEqual([down.ok, down.received, down.lossPct, down.rttAvgMs], [false, 0, 100, null]);
  });
});
