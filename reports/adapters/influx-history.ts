import type { InfluxDB, IResults } from 'influx';
import { IFACE_STATES, ProblemError, decodeTagValue, encodeTagValue, type IfaceState } from '../../contract/index.ts';
import {
  DEVICE_STATE_FIELDS as DS,
  IFACE_FIELDS as IF,
  M,
  RP,
  TAG,
  TRANSITION_FIELDS as TF,
} from '../../store/index.ts';
import { byTimeThenSeq, crashedRunStarts } from '../core/link-timeline.ts';
import type { QualityIn } from '../core/quality.ts';
import type { DeviceStateIn, RunEndIn, TransitionIn } from '../core/types.ts';

/**
 * Link-quality verdicts (RP forever; tags device, iface; fields `degraded` bool, `source`
 * `cloud` | `router`, `loss_pct`, `rtt_p95_ms`, `jitter_ms`), written by alerting for every change
 * of the cloud evaluator's verdict and of the router's `warn_*` flag (docs/metrics.md).
 */
export const LINK_QUALITY = M.linkQuality;

/** Per device: its transitions and reachability changes relevant to a period. */
export interface DeviceHistory {
  transitions: TransitionIn[];
  deviceStates: DeviceStateIn[];
  /** Last stored sample before each run that began after a crash (see RunEndIn). */
  runEnds?: RunEndIn[];
  /** Link-quality verdicts (`wan_link_quality`): the last per link and source before the period, and those inside. */
  quality?: QualityIn[];
}

/** Role interface: where the report's history comes from. */
export interface HistorySource {
  /**
   * For [fromMs, toMs): every transition and device-state point inside, plus per series the last
   * one before `fromMs` and the first one at/after `toMs`. `deviceId` undefined = every device.
   */
  load(fromMs: number, toMs: number, deviceId?: string): Promise<Map<string, DeviceHistory>>;
}

interface TransitionRow {
  time: Date;
  [TAG.device]: string;
  [TAG.iface]: string;
  from_state: string;
  to_state: string;
  reason: string;
  seq: number;
  boot_id: string;
}
interface DeviceStateRow {
  time: Date;
  [TAG.device]: string;
  state: string;
  last_seen_ms: number | null;
}

const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const isState = (s: string): s is IfaceState => (IFACE_STATES as readonly string[]).includes(s);

/**
 * Reads `wan_transition` and `wan_device_state` (RP forever) with node-influx: six statements in
 * one request, every WHERE value a bound placeholder (times as RFC 3339 strings, which are exact to
 * the millisecond; a float nanosecond number is not). Tag values are decoded with decodeTagValue.
 */
export function createInfluxHistory(influx: InfluxDB): HistorySource {
  return {
    async load(fromMs, toMs, deviceId) {
      const tr = `${q(RP.forever)}.${q(M.transition)}`;
      const ds = `${q(RP.forever)}.${q(M.deviceState)}`;
      const trFields = [TF.from, TF.to, TF.reason, TF.seq, TF.bootId].map(q).join(', ');
      const dsFields = [DS.state, DS.lastSeenMs].map(q).join(', ');
      const dev = deviceId === undefined ? '' : `${q(TAG.device)} = $device AND `;
      const byIface = `GROUP BY ${q(TAG.device)}, ${q(TAG.iface)}`;
      const byDevice = `GROUP BY ${q(TAG.device)}`;
      const statements = [
        `SELECT ${trFields} FROM ${tr} WHERE ${dev}time < $from ${byIface} ORDER BY time DESC LIMIT 1`,
        `SELECT ${trFields} FROM ${tr} WHERE ${dev}time >= $from AND time < $to ${byIface}`,
        `SELECT ${trFields} FROM ${tr} WHERE ${dev}time >= $to ${byIface} ORDER BY time ASC LIMIT 1`,
        `SELECT ${dsFields} FROM ${ds} WHERE ${dev}time < $from ${byDevice} ORDER BY time DESC LIMIT 1`,
        `SELECT ${dsFields} FROM ${ds} WHERE ${dev}time >= $from AND time < $to ${byDevice}`,
        `SELECT ${dsFields} FROM ${ds} WHERE ${dev}time >= $to ${byDevice} ORDER BY time ASC LIMIT 1`,
      ];
      const placeholders: Record<string, string> = {
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
      };
      if (deviceId !== undefined) placeholders.device = encodeTagValue(deviceId);
      let results: IResults<unknown>[];
      try {
        results = (await influx.query(statements, { placeholders, precision: 'ms' as never })) as IResults<unknown>[];
      } catch (err) {
        // Classified once here: a query that cannot reach InfluxDB is a transient 503 for the caller.
        throw new ProblemError('influx_unavailable', `reading transitions failed: ${(err as Error).message}`);
      }
      const out = new Map<string, DeviceHistory>();
      const entry = (id: string) => {
        let h = out.get(id);
        if (!h) out.set(id, (h = { transitions: [], deviceStates: [] }));
        return h;
      };
      for (const res of results.slice(0, 3)) {
        for (const row of res as unknown as TransitionRow[]) {
          const t = toTransition(row);
          if (t) entry(decodeTagValue(row[TAG.device])).transitions.push(t);
        }
      }
      for (const res of results.slice(3)) {
        for (const row of res as unknown as DeviceStateRow[]) {
          if (row.state !== 'reachable' && row.state !== 'unreachable') continue;
          entry(decodeTagValue(row[TAG.device])).deviceStates.push({
            timeMs: row.time.getTime(),
            state: row.state,
            lastSeenMs: typeof row.last_seen_ms === 'number' ? row.last_seen_ms : null,
          });
        }
      }
      await addRunEnds(influx, out);
      await addQuality(influx, out, { ...placeholders }, dev);
      return out;
    },
  };
}

/** Runs after a crash looked up per request at most (a fleet report stays one small query). */
const MAX_CRASH_LOOKUPS = 500;

/**
 * For each run that began after a crash, the time of the device's last sample (RP raw) between the
 * old run's last transition and the new run's first start: where the reporter stopped recording.
 * One request of `last()` statements; none found (raw expired) leaves the run without an end.
 */
async function addRunEnds(influx: InfluxDB, out: Map<string, DeviceHistory>): Promise<void> {
  const crashes = [...out]
    .flatMap(([id, h]) => crashedRunStarts([...h.transitions].sort(byTimeThenSeq)).map((c) => ({ id, ...c })))
    .slice(0, MAX_CRASH_LOOKUPS);
  if (crashes.length === 0) return;
  const samples = `${q(RP.raw)}.${q(M.iface)}`;
  const placeholders: Record<string, string> = {};
  const statements = crashes.map((c, i) => {
    placeholders[`d${i}`] = encodeTagValue(c.id);
    placeholders[`p${i}`] = new Date(c.prevMs).toISOString();
    placeholders[`s${i}`] = new Date(c.startMs).toISOString();
    return `SELECT last(${q(IF.seq)}) FROM ${samples} WHERE ${q(TAG.device)} = $d${i} AND time >= $p${i} AND time < $s${i}`;
  });
  let results: IResults<unknown>[];
  try {
    const res = await influx.query(statements, { placeholders, precision: 'ms' as never });
    // node-influx gives one statement's rows directly, several statements' as an array of row sets.
    results = statements.length === 1 ? [res as IResults<unknown>] : (res as unknown as IResults<unknown>[]);
  } catch (err) {
    throw new ProblemError(
      'influx_unavailable',
      `reading the last samples before restarts failed: ${(err as Error).message}`,
    );
  }
  crashes.forEach((c, i) => {
    const row = (results[i] as unknown as Array<{ time: Date }> | undefined)?.[0];
    if (!row) return;
    const h = out.get(c.id)!;
    (h.runEnds ??= []).push({ bootId: c.bootId, lastRecordBeforeMs: row.time.getTime() });
  });
}

interface QualityRow {
  time: Date;
  [TAG.device]: string;
  [TAG.iface]: string;
  degraded: boolean | number | null;
  source: string | null;
}

/**
 * Per link and source, the verdict in force at the period's start and every verdict inside it.
 * A measurement that does not exist yet (no evaluator has written) reads as no verdicts.
 */
async function addQuality(
  influx: InfluxDB,
  out: Map<string, DeviceHistory>,
  placeholders: Record<string, string>,
  dev: string,
): Promise<void> {
  const lq = `${q(RP.forever)}.${q(LINK_QUALITY)}`;
  const by = `GROUP BY ${q(TAG.device)}, ${q(TAG.iface)}`;
  const fields = `${q('degraded')}, ${q('source')}`;
  const statements = [
    `SELECT ${fields} FROM ${lq} WHERE ${dev}${q('source')} = 'cloud' AND time < $from ${by} ORDER BY time DESC LIMIT 1`,
    `SELECT ${fields} FROM ${lq} WHERE ${dev}${q('source')} = 'router' AND time < $from ${by} ORDER BY time DESC LIMIT 1`,
    `SELECT ${fields} FROM ${lq} WHERE ${dev}time >= $from AND time < $to ${by}`,
  ];
  let results: IResults<unknown>[];
  try {
    results = (await influx.query(statements, { placeholders, precision: 'ms' as never })) as IResults<unknown>[];
  } catch (err) {
    throw new ProblemError('influx_unavailable', `reading link quality failed: ${(err as Error).message}`);
  }
  for (const res of results) {
    for (const row of res as unknown as QualityRow[]) {
      if (row.source !== 'cloud' && row.source !== 'router') continue;
      const id = decodeTagValue(row[TAG.device]);
      let h = out.get(id);
      if (!h) out.set(id, (h = { transitions: [], deviceStates: [] }));
      (h.quality ??= []).push({
        timeMs: row.time.getTime(),
        iface: decodeTagValue(row[TAG.iface]),
        source: row.source,
        degraded: row.degraded === true || row.degraded === 1,
      });
    }
  }
}

function toTransition(row: TransitionRow): TransitionIn | undefined {
  // A point with a state this version does not know is skipped rather than guessed.
  if (!isState(row.from_state) || !isState(row.to_state)) return undefined;
  return {
    timeMs: row.time.getTime(),
    iface: decodeTagValue(row[TAG.iface]),
    from: row.from_state,
    to: row.to_state,
    reason: row.reason,
    seq: Number(row.seq),
    bootId: row.boot_id,
  };
}
