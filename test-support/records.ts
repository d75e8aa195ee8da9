/**
 * Record and report builders for tests and benches: one valid shape of each wire record
 * (contract/report-v1.ts), so a test states only what it is about (`sample({ seq, timeMs, online: false })`)
 * and a wire change is made here once. Test support only: product code never imports this folder.
 */
import type {
  PolicyRecord,
  PolicySplit,
  ReportRecord,
  ReportV1,
  SampleRecord,
  TargetResult,
  TransitionRecord,
} from '../contract/index.ts';
import type { DeviceEventsJob } from '../store/index.ts';

export interface SampleOpts extends Partial<Omit<SampleRecord, 'type' | 'seq' | 'timeMs'>> {
  seq: number;
  timeMs: number;
  /** Default true: a healthy round (score 12, 12.5 ms, no loss); false: a failed one (score 0, 100 % loss). */
  online?: boolean;
}

/** A sample record; `online` picks healthy or failed defaults, any field can still be given. */
export function sample(o: SampleOpts): SampleRecord {
  const { seq, timeMs, online = true, ...over } = o;
  return {
    type: 'sample',
    seq,
    timeMs,
    iface: 'wan',
    state: online ? 'online' : 'offline',
    score: online ? 12 : 0,
    roundOk: online,
    degraded: false,
    rttAvgMs: online ? 12.5 : null,
    rttMinMs: online ? 10 : null,
    rttMaxMs: online ? 15 : null,
    lossPct: online ? 0 : 100,
    jitterMs: online ? 1.25 : null,
    targets: [],
    ...over,
  };
}

/** One probe target's result in a sample: answered (`up`) or not (`down`). */
export function target(name: string, up = true): TargetResult {
  return up
    ? {
        target: name,
        status: 'up',
        sent: 1,
        received: 1,
        rttAvgMs: 12.5,
        rttMinMs: 12.5,
        rttMaxMs: 12.5,
        lossPct: 0,
        jitterMs: null,
      }
    : {
        target: name,
        status: 'down',
        sent: 1,
        received: 0,
        rttAvgMs: null,
        rttMinMs: null,
        rttMaxMs: null,
        lossPct: 100,
        jitterMs: null,
      };
}

export interface TransitionOpts extends Partial<Omit<TransitionRecord, 'type' | 'seq' | 'timeMs'>> {
  seq: number;
  timeMs: number;
}

/** A transition record; default `wan` online → offline by the tracker. */
export function transition(o: TransitionOpts): TransitionRecord {
  const { seq, timeMs, ...over } = o;
  const to = over.to ?? 'offline';
  return {
    type: 'transition',
    seq,
    timeMs,
    iface: 'wan',
    from: 'online',
    to,
    score: to === 'online' ? 12 : 0,
    reason: 'track',
    ...over,
  };
}

/** A policy record; default: one `balanced` policy over `wan` (metric 1, weight 3) and `wanb` (weight 2), all on `wanb`. */
export function policy(o: {
  seq: number;
  timeMs: number;
  policies?: PolicySplit[];
  /** `wan`'s share of policy `balanced` (the rest is `wanb`'s); default 0. */
  wanSharePct?: number;
}): PolicyRecord {
  const wanSharePct = o.wanSharePct ?? 0;
  return {
    type: 'policy',
    seq: o.seq,
    timeMs: o.timeMs,
    policies: o.policies ?? [
      {
        policy: 'balanced',
        family: 'ipv4',
        members: [
          { iface: 'wan', sharePct: wanSharePct, metric: 1, weight: 3 },
          { iface: 'wanb', sharePct: 100 - wanSharePct, metric: 1, weight: 2 },
        ],
        lastResort: 'unreachable',
        lastResortActive: false,
      },
    ],
  };
}

/** A report of the given records; `sentAtMs` defaults to the newest record's time + 1 s. */
export function report(
  deviceId: string,
  records: ReportRecord[],
  o: { bootId?: string; sentAtMs?: number; reportIntervalMs?: number } = {},
): ReportV1 {
  const newest = records.reduce((m, r) => Math.max(m, r.timeMs), 0);
  return {
    v: 1,
    deviceId,
    bootId: o.bootId ?? 'boot-0001',
    sentAtMs: o.sentAtMs ?? (newest || Date.now()) + 1000,
    reportIntervalMs: o.reportIntervalMs ?? 5000,
    records,
  };
}

/** A small valid report: 2 samples (2 targets in the first), a transition, a policy snapshot. */
export function sampleReport(
  deviceId: string,
  opts: { bootId?: string; baseMs?: number; iface?: string; target?: string; seq0?: number } = {},
): ReportV1 {
  const base = opts.baseMs ?? Date.now() - 10_000;
  const iface = opts.iface ?? 'wan';
  const s = opts.seq0 ?? 1;
  const p = policy({ seq: s + 3, timeMs: base + 1000 });
  p.policies[0]!.members[0]!.iface = iface;
  return report(
    deviceId,
    [
      sample({
        seq: s,
        timeMs: base,
        iface,
        device: 'eth1',
        targets: [target(opts.target ?? '192.0.2.1'), target('second', false)],
      }),
      transition({ seq: s + 1, timeMs: base + 1000, iface }),
      sample({ seq: s + 2, timeMs: base + 1000, iface, online: false }),
      p,
    ],
    { bootId: opts.bootId, sentAtMs: base + 2000 },
  );
}

/** The alerting job ingest queues for a report with these transitions and policy snapshots (store/queues.ts). */
export function eventsJob(
  deviceId: string,
  records: Array<TransitionRecord | PolicyRecord> = [],
  over: Partial<DeviceEventsJob> = {},
): DeviceEventsJob {
  return {
    v: 1,
    deviceId,
    bootId: 'boot-aaaaaaaa',
    receivedAtMs: Date.now(),
    transitions: records.filter((r): r is TransitionRecord => r.type === 'transition'),
    policies: records.filter((r): r is PolicyRecord => r.type === 'policy'),
    metrics: {},
    backfill: false,
    ...over,
  };
}
