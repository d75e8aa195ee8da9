/**
 * `--source mwan3` in the lean build: on a router where mwan3track already tracks the links, link
 * state comes from `ubus call mwan3 status` every poll instead of a second set of probes. `ubus`
 * runs on the shell runners (like `ping`), so a hung ubus never stalls the event loop; what a poll
 * records is the Node build's own decision (run/mwan3-poll.ts, status/ubus-status.ts).
 */
import type { IfaceState, SampleRecord, TransitionRecord } from '../../../../contract/index.ts';
import { mwan3PollRecords } from '../../../run/mwan3-poll.ts';
import { parseUbusMwan3Status } from '../../../status/ubus-status.ts';
import type { ChildResult } from '../platform/children.ts';
import { decodeJson } from '../platform/json-decode.ts';
import type { LeanLogger } from './lean-logger.ts';

/** The Node build's execFile timeout for `ubus`. */
const UBUS_TIMEOUT_MS = 5_000;

export interface LeanMwan3Deps {
  pollMs: number;
  nowMs: (this: void) => number;
  spawn: (this: void, argv: string[], deadlineMs: number, done: (this: void, r: ChildResult) => void) => boolean;
  onSample: (this: void, rec: Omit<SampleRecord, 'seq'>) => void;
  onTransition: (this: void, rec: Omit<TransitionRecord, 'seq'>) => void;
  log: LeanLogger;
}

export interface LeanMwan3Source {
  /** The last state mwan3 reported per interface (none before its first report). */
  states(): Record<string, IfaceState>;
  /** When the next poll is due; undefined while one runs. */
  wakeAtMs(): number | undefined;
  tick(): void;
  /** The reporter stops: every interface mwan3 reported ends with `stop` to `unknown`. */
  end(): void;
}

export function createLeanMwan3Source(deps: LeanMwan3Deps): LeanMwan3Source {
  const states = new Map<string, IfaceState>();
  let nextAtMs = deps.nowMs();
  let running = false;
  let failing = false;
  let ended = false;

  const failed = (err: string): void => {
    if (!failing) deps.log.warn({ err }, 'reading `ubus call mwan3 status` failed; is mwan3 running?');
    failing = true;
  };

  function done(r: ChildResult): void {
    running = false;
    nextAtMs = deps.nowMs() + deps.pollMs;
    if (ended) return;
    if (r.code !== 0) return failed(r.code === undefined ? 'timed out' : `exit code ${r.code}: ${r.output}`);
    const [ok, decoded] = pcall(() => decodeJson(r.output));
    if (!ok) return failed(String(decoded));
    failing = false;
    const status = parseUbusMwan3Status(decoded.value, (obj) => decoded.keyOrder(obj));
    for (const rec of mwan3PollRecords(states, status, deps.nowMs())) {
      if (rec.type === 'transition') deps.onTransition(rec);
      else deps.onSample(rec);
    }
  }

  return {
    states: () => Object.fromEntries(states),
    wakeAtMs: () => (running || ended ? undefined : nextAtMs),
    tick() {
      if (running || ended || deps.nowMs() < nextAtMs) return;
      running = deps.spawn(['ubus', 'call', 'mwan3', 'status'], deps.nowMs() + UBUS_TIMEOUT_MS, (r) => done(r));
      if (!running) {
        nextAtMs = deps.nowMs() + deps.pollMs;
        failed('could not start ubus');
      }
    },
    end() {
      if (ended) return;
      ended = true;
      for (const [iface, from] of states)
        if (from !== 'unknown')
          deps.onTransition({
            type: 'transition',
            timeMs: deps.nowMs(),
            iface,
            from,
            to: 'unknown',
            score: 0,
            reason: 'stop',
          });
    },
  };
}
