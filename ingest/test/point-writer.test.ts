import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProblemError } from '../../contract/index.ts';
import { InfluxRejectedError, createPointWriter, type LineSink } from '../hot-path/point-writer.ts';

/** A LineSink (our own role interface) that refuses any body containing "bad", as InfluxDB refuses a bad line. */
function refusingSink(): LineSink & { bodies: string[] } {
  const bodies: string[] = [];
  return {
    bodies,
    async write(body) {
      bodies.push(body);
      if (body.includes('bad')) throw new InfluxRejectedError('400 partial write: unable to parse');
      if (body.includes('down')) throw new ProblemError('influx_unavailable', 'connection refused');
    },
  };
}

describe('group-commit point writer', () => {
  it('a refused shared write fails only the request whose lines InfluxDB refuses, with a permanent 422', async () => {
    const sink = refusingSink();
    const w = createPointWriter(sink, { maxDelayMs: 5 });
    const results = await Promise.allSettled([
      w.write({ raw: ['m,d=a v=1 1'], forever: [] }),
      w.write({ raw: ['m,d=b bad'], forever: [] }),
      w.write({ raw: [], forever: ['t,d=c v=1 1'] }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    const err = (results[1] as PromiseRejectedResult).reason as ProblemError;
    assert.equal(err.code, 'storage_rejected');
    assert.equal(err.status, 422);
    assert.equal(sink.bodies.length, 2 + 3, 'one shared write per RP, then one per request');
  });

  it('InfluxDB being down fails every request of the write with 503, not split', async () => {
    const sink = refusingSink();
    const w = createPointWriter(sink, { maxDelayMs: 5 });
    const results = await Promise.allSettled([
      w.write({ raw: ['m,d=a down'], forever: [] }),
      w.write({ raw: ['m,d=b v=1 1'], forever: [] }),
    ]);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.equal(((r as PromiseRejectedResult).reason as ProblemError).code, 'influx_unavailable');
    }
    assert.equal(sink.bodies.length, 1);
  });
});
