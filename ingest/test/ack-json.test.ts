import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { reportAckSchema } from '../../contract/index.ts';
import { ackJson } from '../hot-path/device-reports-fast.ts';

describe('ackJson', () => {
  it('is JSON.stringify of the ack, for any bootId and counts', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.nat(), fc.nat(), fc.nat(), (bootId, ackSeq, accepted, dup) => {
        const ack = reportAckSchema.parse({ v: 1, bootId, ackSeq, accepted, duplicateTransitions: dup });
        assert.equal(ackJson(ack), JSON.stringify(ack));
      }),
      { numRuns: 500 },
    );
  });
});
