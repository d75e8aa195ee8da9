import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { workerVerdict } from './worker-supervisor.ts';

describe('workerVerdict truth table', () => {
  const base = { nowMs: 100_000, dueJobs: 3, inFlight: 0, lastTakenMs: 0, dueSinceMs: 0 };
  const rows: Array<[string, Partial<typeof base>, 'ok' | 'stuck']> = [
    ['nothing due', { dueJobs: 0 }, 'ok'],
    ['due but jobs in flight (busy, not stuck)', { inFlight: 2 }, 'ok'],
    ['due for less than the bound', { dueSinceMs: 90_000 }, 'ok'],
    ['took a job lately', { lastTakenMs: 95_000 }, 'ok'],
    ['due for the bound, idle for the bound', { dueSinceMs: 85_000, lastTakenMs: 10 }, 'stuck'],
    ['idle for hours, jobs just became due', { dueSinceMs: 100_000, lastTakenMs: 0 }, 'ok'],
  ];
  for (const [name, o, want] of rows)
    it(`${name}: ${want}`, () => assert.equal(workerVerdict({ ...base, ...o }, 15_000), want));
});
