import { execFile } from 'node:child_process';
import type { IfaceState, SampleRecord, TransitionRecord } from '../../contract/index.ts';
import type { ReporterLogger } from '../spool/logger.ts';
import { parseUbusMwan3Status, type UbusIfaceStatus } from '../status/ubus-status.ts';

/**
 * `--source mwan3`: on a router where mwan3track already tracks the links, take link state from
 * `ubus call mwan3 status` instead of probing a second time. Every poll gives one sample per
 * interface; a changed state gives a transition with reason `mwan3`. Latency/loss are what mwan3
 * reports per target (only with check_quality), so they are often null.
 */
export interface Mwan3SourceOptions {
  pollMs: number;
  /** Returns the parsed JSON of `ubus call mwan3 status` (injected in tests). */
  readStatus?: () => Promise<unknown>;
  onSample(rec: Omit<SampleRecord, 'seq'>): void;
  onTransition(rec: Omit<TransitionRecord, 'seq'>): void;
  nowMs?: () => number;
  logger: ReporterLogger;
}

export interface Mwan3Source {
  stop(): Promise<void>;
  states(): Record<string, IfaceState>;
}

export function ubusMwan3Status(): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile('ubus', ['call', 'mwan3', 'status'], { timeout: 5_000 }, (err, stdout) => {
      if (err) return reject(err);
      try {
        resolve(JSON.parse(stdout));
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

/** One sample from one interface of ubus output. Pure. */
export function sampleFromUbus(i: UbusIfaceStatus, timeMs: number): Omit<SampleRecord, 'seq'> {
  const lat = i.targets.map((t) => t.latencyMs).filter((v): v is number => v !== undefined);
  const loss = i.targets.map((t) => t.lossPct).filter((v): v is number => v !== undefined);
  const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  return {
    type: 'sample',
    timeMs,
    iface: i.name,
    state: i.state,
    score: Math.max(0, Math.round(i.score)),
    roundOk: i.targets.some((t) => t.status === 'up'),
    degraded: false,
    rttAvgMs: avg(lat),
    rttMinMs: lat.length ? Math.min(...lat) : null,
    rttMaxMs: lat.length ? Math.max(...lat) : null,
    lossPct: avg(loss),
    jitterMs: null,
    targets: [],
  };
}

export function startMwan3Source(o: Mwan3SourceOptions): Mwan3Source {
  const nowMs = o.nowMs ?? Date.now;
  const read = o.readStatus ?? ubusMwan3Status;
  const states: Record<string, IfaceState> = {};
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let failing = false;

  async function poll(): Promise<void> {
    try {
      const st = parseUbusMwan3Status(await read());
      failing = false;
      const t = nowMs();
      for (const i of st.interfaces.filter((x) => x.enabled)) {
        const prev = states[i.name] ?? 'unknown';
        if (prev !== i.state) {
          o.onTransition({
            type: 'transition',
            timeMs: t,
            iface: i.name,
            from: prev,
            to: i.state,
            score: Math.max(0, Math.round(i.score)),
            reason: 'mwan3',
          });
          states[i.name] = i.state;
        }
        o.onSample(sampleFromUbus(i, t));
      }
    } catch (err) {
      if (!failing) o.logger.warn({ err }, 'reading `ubus call mwan3 status` failed; is mwan3 running?');
      failing = true;
    }
    if (!stopped) timer = setTimeout(() => void poll(), o.pollMs);
  }
  void poll();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
    },
    states: () => ({ ...states }),
  };
}
