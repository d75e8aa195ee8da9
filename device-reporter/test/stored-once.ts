import assert from 'node:assert/strict';

/** What a reporter spooled (its `onSpooled` lines): the records that must reach InfluxDB. */
export type Spooled = ReadonlyArray<{ seq: number; type: string }>;

type Query = (influxql: string) => Promise<ReadonlyArray<Record<string, unknown>>>;

const seqsOf = (spooled: Spooled, type: string) =>
  spooled
    .filter((s) => s.type === type)
    .map((s) => s.seq)
    .sort((a, b) => a - b);

/**
 * Every spooled sample and transition is in InfluxDB exactly once: the seq lists are equal, so a
 * missing record and a duplicate both fail. `deviceId` must be a plain id (it is put in the query).
 */
export async function assertStoredOnce(query: Query, deviceId: string, spooled: Spooled): Promise<void> {
  const stored = async (from: string) =>
    (await query(`SELECT seq FROM ${from} WHERE device = '${deviceId}'`))
      .map((p) => Number(p.seq))
      .sort((a, b) => a - b);
  assert.deepEqual(await stored('raw.wan_iface'), seqsOf(spooled, 'sample'), 'every sample exactly once');
  assert.deepEqual(
    await stored('forever.wan_transition'),
    seqsOf(spooled, 'transition'),
    'every transition exactly once',
  );
}
