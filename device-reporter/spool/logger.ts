/**
 * The reporter's logger role: the pino call shape (`log.warn({ key: value }, 'message')`) without
 * pino, because device-reporter/ may import only contract/ and node built-ins (one small bundle).
 * Lines are JSON, one per event, so `logread` and log shippers can parse them.
 */
export interface ReporterLogger {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50, silent: 100 };

/** JSON-lines logger writing to `write` (stderr by default). */
export function createJsonLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (l) => process.stderr.write(l),
  base: object = {},
): ReporterLogger {
  const emit = (lvl: Exclude<LogLevel, 'silent'>, fields: object, msg: string) => {
    if (RANK[lvl] < RANK[level]) return;
    const f = fields instanceof Error ? { err: errorFields(fields) } : normaliseErr(fields);
    write(JSON.stringify({ level: RANK[lvl], time: Date.now(), ...base, ...f, msg }) + '\n');
  };
  return {
    debug: (f, m) => emit('debug', f, m),
    info: (f, m) => emit('info', f, m),
    warn: (f, m) => emit('warn', f, m),
    error: (f, m) => emit('error', f, m),
  };
}

/** A logger that drops everything (unit tests). */
export const silentLogger: ReporterLogger = createJsonLogger('silent');

function errorFields(e: Error): object {
  return { type: e.name, message: e.message, ...('code' in e ? { code: (e as { code: unknown }).code } : {}) };
}

function normaliseErr(fields: object): object {
  const err = (fields as { err?: unknown }).err;
  return err instanceof Error ? { ...fields, err: errorFields(err) } : fields;
}
