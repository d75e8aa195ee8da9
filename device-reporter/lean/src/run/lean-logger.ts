import { encodeJson } from '../platform/json-encode.ts';
import { nowMs, writeErr } from '../platform/system.ts';

/** The Node build's JSON-lines log shape (spool/logger.ts): level number, time, fields, msg. */
export interface LeanLogger {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

const RANK = { debug: 20, info: 30, warn: 40, error: 50, silent: 100 } as const;
export type LeanLogLevel = keyof typeof RANK;

export function createLeanLogger(level: LeanLogLevel): LeanLogger {
  const emit = (lvl: Exclude<LeanLogLevel, 'silent'>, fields: object, msg: string): void => {
    if (RANK[lvl] < RANK[level]) return;
    writeErr(encodeJson({ level: RANK[lvl], time: nowMs(), ...fields, msg }) + '\n');
  };
  return {
    debug: (f, m) => emit('debug', f, m),
    info: (f, m) => emit('info', f, m),
    warn: (f, m) => emit('warn', f, m),
    error: (f, m) => emit('error', f, m),
  };
}
