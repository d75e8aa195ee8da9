import type { IfaceState, SampleRecord, TransitionRecord } from '../../contract/index.ts';
import type { UbusIfaceStatus, UbusMwan3Status } from '../status/ubus-status.ts';

/**
 * `--source mwan3`, the pure part shared by both builds: what one poll of `ubus call mwan3 status`
 * records. The builds differ only in how they run `ubus` and when.
 */
export type Mwan3PollRecord = Omit<SampleRecord, 'seq'> | Omit<TransitionRecord, 'seq'>;

const average = (xs: number[]): number | null => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/**
 * One sample from one interface of ubus output. Latency/loss are what mwan3 reports per target
 * (only with check_quality), so they are often null; mwan3 gives no per-target round detail.
 */
export function sampleFromUbus(i: UbusIfaceStatus, timeMs: number): Omit<SampleRecord, 'seq'> {
  const lat: number[] = [];
  const loss: number[] = [];
  for (const t of i.targets) {
    if (t.latencyMs !== undefined) lat.push(t.latencyMs);
    if (t.lossPct !== undefined) loss.push(t.lossPct);
  }
  return {
    type: 'sample',
    timeMs,
    iface: i.name,
    state: i.state,
    score: Math.max(0, Math.round(i.score)),
    roundOk: i.targets.some((t) => t.status === 'up'),
    degraded: false,
    rttAvgMs: average(lat),
    rttMinMs: lat.length > 0 ? Math.min(...lat) : null,
    rttMaxMs: lat.length > 0 ? Math.max(...lat) : null,
    lossPct: average(loss),
    jitterMs: null,
    targets: [],
  };
}

/**
 * The records of one poll, in mwan3's interface order; updates `states` (the last state reported
 * per interface). Disabled interfaces are not reported.
 *
 * | interface this poll              | records                                                   |
 * | -------------------------------- | --------------------------------------------------------- |
 * | enabled, state as last reported  | its sample                                                |
 * | enabled, state changed (or first)| transition last → now (`unknown` at first), reason `mwan3`; its sample |
 * | disabled, or missing             | none (its last state is kept)                             |
 */
export function mwan3PollRecords(
  states: Map<string, IfaceState>,
  status: UbusMwan3Status,
  timeMs: number,
): Mwan3PollRecord[] {
  const out: Mwan3PollRecord[] = [];
  for (const i of status.interfaces) {
    if (!i.enabled) continue;
    const prev = states.get(i.name) ?? 'unknown';
    if (prev !== i.state) {
      const score = Math.max(0, Math.round(i.score));
      out.push({ type: 'transition', timeMs, iface: i.name, from: prev, to: i.state, score, reason: 'mwan3' });
      states.set(i.name, i.state);
    }
    out.push(sampleFromUbus(i, timeMs));
  }
  return out;
}
