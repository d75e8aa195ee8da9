import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { float, int, str, toLine } from './line-protocol.ts';
import fc from 'fast-check';
import { encodeTagValue } from '../../contract/index.ts';
import type { SampleRecord } from '../../contract/index.ts';
import { reportLines, samplePoints } from './report-points.ts';
import { buildDeviceEventsJob, isBackfill, transitionsOf } from './report-events.ts';
import { nextLive } from '../hot-path/live-merge.ts';
import { sampleReport } from '../../test-support/records.ts';

describe('line protocol', () => {
  const line = (tags: Record<string, string>, fields: Parameters<typeof toLine>[0]['fields']) =>
    toLine({ measurement: 'm x,y', tags, fields, timestampNs: '1000000' });
  it('escapes each part as line protocol wants', () => {
    const table: Array<[Record<string, string>, Parameters<typeof toLine>[0]['fields'], string]> = [
      [{ iface: 'eth0' }, { v: int(3) }, 'm\\ x\\,y,iface=eth0 v=3i 1000000'],
      [{ iface: 'wan 1,a=b"' }, { v: float(1) }, 'm\\ x\\,y,iface=wan\\ 1\\,a\\=b" v=1.0 1000000'],
      [{ b: '2', a: '1' }, { s: str('say "hi" \\ ok') }, 'm\\ x\\,y,a=1,b=2 s="say \\"hi\\" \\\\ ok" 1000000'],
      [{ empty: '' }, { v: float(0.25), none: undefined }, 'm\\ x\\,y v=0.25 1000000'],
    ];
    for (const [tags, fields, want] of table) assert.equal(line(tags, fields), want);
  });
  it('refuses a point without fields', () => {
    assert.throws(() => line({}, { a: undefined }), /no fields/);
  });
  it('a report always gives the same lines (retries rewrite, never add)', () => {
    const r = sampleReport('d', { baseMs: Date.UTC(2026, 0, 1) });
    assert.deepEqual(reportLines(r), reportLines(structuredClone(r)));
    const { raw, forever } = reportLines(r);
    assert.equal(raw.length, 2 + 2 + 1 + 2);
    assert.equal(forever.length, 1);
    assert.match(forever[0]!, / 1767225601000000002$/);
    assert.match(raw[0]!, /^wan_iface,device=d,iface=wan /);
    assert.match(raw[0]!, /state_code=1i/);
  });
  it('sample lines are exactly the generic serializer lines, whatever the names and values', () => {
    const base = sampleReport('d', { baseMs: Date.UTC(2026, 0, 1) }).records.find((r) => r.type === 'sample')!;
    const num = fc.option(fc.oneof(fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 0, max: 1e6, noNaN: true })), {
      nil: null,
    });
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.string(),
        fc.option(fc.string(), { nil: undefined }),
        num,
        num,
        (deviceId, iface, target, device, rtt, loss) => {
          const s: SampleRecord = {
            ...(base as SampleRecord),
            iface,
            rttAvgMs: rtt,
            lossPct: loss,
            device,
            targets: (base as SampleRecord).targets.map((t) => ({ ...t, target, jitterMs: rtt })),
          };
          if (device === undefined) delete s.device;
          const report = { ...sampleReport(deviceId), records: [s] };
          const want = samplePoints(encodeTagValue(deviceId), s).map(toLine);
          assert.deepEqual(reportLines(report).raw, want);
        },
      ),
      { numRuns: 300 },
    );
  });
  it('encodes names that line protocol cannot carry', () => {
    const { raw } = reportLines(sampleReport('d', { iface: 'a\\b\nc ', baseMs: Date.UTC(2026, 0, 1) }));
    assert.match(raw[0]!, /,iface=a%5Cb%0Ac\\ /);
  });
});

describe('report events', () => {
  const now = Date.UTC(2026, 0, 1, 12);
  it('backfill truth table', () => {
    const fresh = sampleReport('d', { baseMs: now - 10_000 });
    const late = sampleReport('d', { baseMs: now - 120_000 });
    assert.equal(isBackfill(fresh, now, undefined), false);
    assert.equal(isBackfill(fresh, now, now - 5_000), false);
    assert.equal(isBackfill(late, now, undefined), true);
    assert.equal(isBackfill(fresh, now, now + 60_000), true, 'older than the previous last-seen');
  });
  it('one job per report with only the new transitions; none when nothing is new', () => {
    const r = sampleReport('d', { baseMs: now - 10_000 });
    const job = buildDeviceEventsJob(r, transitionsOf(r), now, false)!;
    assert.equal(job.jobId, 'ev_d_boot-0001_1-4');
    assert.equal(job.job.transitions.length, 1);
    assert.equal(job.job.metrics.wan?.state, 'offline');
    const noPolicy = { ...r, records: r.records.filter((x) => x.type !== 'policy') };
    assert.equal(buildDeviceEventsJob(noPolicy, [], now, false), undefined);
  });
  it('live state never moves back in device time', () => {
    const newer = nextLive(undefined, sampleReport('d', { baseMs: now - 10_000 }), now);
    const older = nextLive(newer, sampleReport('d', { baseMs: now - 100_000, bootId: 'boot-old1' }), now + 1);
    assert.equal(older.ifaces.wan?.timeMs, now - 9_000);
    assert.equal(older.policiesTimeMs, now - 9_000);
    assert.equal(older.lastSeenMs, now + 1);
  });
});
