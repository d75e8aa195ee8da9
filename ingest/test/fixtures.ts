import type { ReportRecord, ReportV1 } from '../../contract/index.ts';

/** A small valid report: 2 samples (2 targets each), a transition, a policy snapshot. */
export function sampleReport(
  deviceId: string,
  opts: { bootId?: string; baseMs?: number; iface?: string; target?: string; seq0?: number } = {},
): ReportV1 {
  const base = opts.baseMs ?? Date.now() - 10_000;
  const iface = opts.iface ?? 'wan';
  const target = opts.target ?? '192.0.2.1';
  const s = opts.seq0 ?? 1;
  const records: ReportRecord[] = [
    {
      type: 'sample',
      seq: s,
      timeMs: base,
      iface,
      device: 'eth1',
      state: 'online',
      score: 12,
      roundOk: true,
      degraded: false,
      rttAvgMs: 12.5,
      rttMinMs: 10,
      rttMaxMs: 15,
      lossPct: 0,
      jitterMs: 1.25,
      targets: [
        {
          target,
          status: 'up',
          sent: 1,
          received: 1,
          rttAvgMs: 12.5,
          rttMinMs: 12.5,
          rttMaxMs: 12.5,
          lossPct: 0,
          jitterMs: null,
        },
        {
          target: 'second',
          status: 'down',
          sent: 1,
          received: 0,
          rttAvgMs: null,
          rttMinMs: null,
          rttMaxMs: null,
          lossPct: 100,
          jitterMs: null,
        },
      ],
    },
    {
      type: 'transition',
      seq: s + 1,
      timeMs: base + 1000,
      iface,
      from: 'online',
      to: 'offline',
      score: 0,
      reason: 'track',
    },
    {
      type: 'sample',
      seq: s + 2,
      timeMs: base + 1000,
      iface,
      state: 'offline',
      score: 0,
      roundOk: false,
      degraded: false,
      rttAvgMs: null,
      rttMinMs: null,
      rttMaxMs: null,
      lossPct: 100,
      jitterMs: null,
      targets: [],
    },
    {
      type: 'policy',
      seq: s + 3,
      timeMs: base + 1000,
      policies: [
        {
          policy: 'balanced',
          family: 'ipv4',
          members: [
            { iface, sharePct: 0, metric: 1, weight: 3 },
            { iface: 'wanb', sharePct: 100, metric: 1, weight: 2 },
          ],
          lastResort: 'unreachable',
          lastResortActive: false,
        },
      ],
    },
  ];
  return { v: 1, deviceId, bootId: opts.bootId ?? 'boot-0001', sentAtMs: base + 2000, reportIntervalMs: 5000, records };
}
