import { execFile } from 'node:child_process';
import type { IfaceState, SampleRecord, TransitionRecord } from '../../contract/index.ts';
import type { ReporterLogger } from '../spool/logger.ts';
import { parseUbusMwan3Status } from '../status/ubus-status.ts';
import { mwan3PollRecords } from './mwan3-poll.ts';

/**
 * `--source mwan3`: on a router where mwan3track already tracks the links, take link state from
 * `ubus call mwan3 status` instead of probing a second time. What a poll records is decided in
 * mwan3-poll.ts (shared with the lean build).
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

export function startMwan3Source(o: Mwan3SourceOptions): Mwan3Source {
  const nowMs = o.nowMs ?? Date.now;
  const read = o.readStatus ?? ubusMwan3Status;
  const states = new Map<string, IfaceState>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let failing = false;

  async function poll(): Promise<void> {
    try {
      const st = parseUbusMwan3Status(await read());
      failing = false;
      for (const rec of mwan3PollRecords(states, st, nowMs())) {
        if (rec.type === 'transition') o.onTransition(rec);
        else o.onSample(rec);
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
    states: () => Object.fromEntries(states),
  };
}
