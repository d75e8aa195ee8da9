import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Mwan3ConfigError, parseMwan3Config } from '../config/mwan3-config.ts';
import { UciParseError } from '../config/uci.ts';
import { DEFAULT_UCI_PATH, runConfigSchema, settingsFromEnv, settingsFromUci, type RawSettings } from '../run/index.ts';
import { STATUS_HELP } from './help-texts.ts';
import { buildStatusView } from '../status/build-status-view.ts';
import { formatMwan3Status } from '../status/mwan3-status-text.ts';
import { countersLine, judgeReporterLiveness, livenessLine } from '../status/reporter-liveness.ts';

export { countersLine };
import { readStatusFile } from '../status/status-file.ts';

export const HELP = STATUS_HELP;

interface StatusArgs {
  config?: string;
  'mwan3-config'?: string;
  'network-config'?: string;
  'assume-online'?: string;
  'spool-dir'?: string;
  help?: boolean;
}

/** spool dir and mwan3 config from UCI < env < flags, with `run`'s defaults (run-config.ts). */
function resolvePaths(values: StatusArgs): { spoolDir: string; mwan3Config: string } {
  const uciPath = values.config ?? process.env.WANWATCH_REPORTER_CONFIG ?? DEFAULT_UCI_PATH;
  let uci: RawSettings = {};
  if (existsSync(uciPath)) uci = settingsFromUci(readFileSync(uciPath, 'utf8')).settings;
  else if (values.config) throw new StatusInputError(`--config ${values.config}: no such file`);
  const flags: RawSettings = {};
  if (values['spool-dir'] !== undefined) flags.spoolDir = values['spool-dir'];
  if (values['mwan3-config'] !== undefined) flags.mwan3Config = values['mwan3-config'];
  const merged: RawSettings = { ...uci, ...settingsFromEnv(process.env), ...flags };
  return {
    spoolDir: runConfigSchema.shape.spoolDir.parse(merged.spoolDir),
    mwan3Config: runConfigSchema.shape.mwan3Config.parse(merged.mwan3Config),
  };
}

class StatusInputError extends Error {}

export async function run(argv: string[], nowMs: () => number = Date.now): Promise<number> {
  let values: StatusArgs;
  let paths: { spoolDir: string; mwan3Config: string };
  let config;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        'mwan3-config': { type: 'string' },
        'network-config': { type: 'string' },
        'assume-online': { type: 'string' },
        'spool-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
    if (values.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    paths = resolvePaths(values);
  } catch (e) {
    process.stderr.write(`status: ${(e as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  try {
    config = parseMwan3Config(readFileSync(paths.mwan3Config, 'utf8'));
  } catch (e) {
    if (e instanceof UciParseError || e instanceof Mwan3ConfigError || (e as NodeJS.ErrnoException).code === 'ENOENT') {
      process.stderr.write(`status: ${paths.mwan3Config}: ${(e as Error).message}\n`);
      return 2;
    }
    throw e;
  }
  const assume = values['assume-online'];
  if (assume !== undefined) {
    const assumeOnline = assume
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = assumeOnline.filter((n) => !config.interfaces.some((i) => i.name === n));
    if (unknown.length)
      process.stderr.write(`status: --assume-online: no mwan3 interface named ${unknown.join(', ')}\n`);
    const view = buildStatusView(config, undefined, assumeOnline, nowMs());
    process.stdout.write(formatMwan3Status(view.ifaces, view.chains) + '\n');
    return 0;
  }
  const file = readStatusFile(paths.spoolDir);
  const liveness = judgeReporterLiveness(file, nowMs(), pidAlive);
  const live = liveness.kind === 'live' ? file : undefined;
  const view = buildStatusView(config, live, undefined, nowMs());
  const head = [livenessLine(liveness)];
  if (file?.counters) head.push(countersLine(file.counters));
  process.stdout.write(`${head.join('\n')}\n\n${formatMwan3Status(view.ifaces, view.chains)}\n`);
  return live ? 0 : 3;
}

/** Signal 0: does a process with this id exist (EPERM: it does, owned by someone else)? */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
