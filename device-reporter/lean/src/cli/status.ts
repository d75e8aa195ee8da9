import { STATUS_HELP } from '../../../cli/help-texts.ts';
import { Mwan3ConfigError, parseMwan3Config } from '../../../config/mwan3-config.ts';
import { UciParseError } from '../../../config/uci.ts';
import {
  DEFAULT_UCI_PATH,
  SETTINGS,
  settingsFromEnv,
  settingsFromUci,
  type RawSettings,
} from '../../../run/settings-sources.ts';
import { buildStatusView } from '../../../status/build-status-view.ts';
import { formatMwan3Status } from '../../../status/mwan3-status-text.ts';
import { countersLine, judgeReporterLiveness, livenessLine } from '../../../status/reporter-liveness.ts';
import type { StatusFileV1 } from '../../../status/status-file.ts';
import { decodeJson } from '../platform/json-decode.ts';
import { getEnv, nowMs, pidAlive, readTextFile, writeErr, writeOut } from '../platform/system.ts';
import { ArgsError, flagString, parseFlags } from './args.ts';

class StatusInputError extends Error {}

/** The WANWATCH_* variables the settings table names, as `process.env` would hold them. */
export function wanwatchEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const s of Object.values(SETTINGS)) {
    const v = getEnv(s.env);
    if (v !== undefined) env[s.env] = v;
  }
  return env;
}

/** spool dir and mwan3 config from UCI < env < flags, with `run`'s defaults (as the Node build). */
function resolvePaths(flags: Map<string, string | boolean>): { spoolDir: string; mwan3Config: string } {
  const configFlag = flagString(flags, 'config');
  const uciPath = configFlag ?? getEnv('WANWATCH_REPORTER_CONFIG') ?? DEFAULT_UCI_PATH;
  let uci: RawSettings = {};
  const text = readTextFile(uciPath);
  if (text !== undefined) uci = settingsFromUci(text).settings;
  else if (configFlag !== undefined) throw new StatusInputError(`--config ${configFlag}: no such file`);
  const fromFlags: RawSettings = {};
  const spool = flagString(flags, 'spool-dir');
  if (spool !== undefined) fromFlags.spoolDir = spool;
  const mwan3 = flagString(flags, 'mwan3-config');
  if (mwan3 !== undefined) fromFlags.mwan3Config = mwan3;
  const merged: RawSettings = { ...uci, ...settingsFromEnv(wanwatchEnv()), ...fromFlags };
  const nonEmpty = (v: string | undefined, fallback: string): string => {
    if (v === '') throw new StatusInputError('Too small: expected string to have >=1 characters');
    return v ?? fallback;
  };
  return {
    spoolDir: nonEmpty(merged.spoolDir, '/tmp/wanwatch'),
    mwan3Config: nonEmpty(merged.mwan3Config, '/etc/config/mwan3'),
  };
}

/** The status file of a running reporter, or undefined when there is none (or it is not v1). */
function readStatusFile(spoolDir: string): StatusFileV1 | undefined {
  const text = readTextFile(`${spoolDir}/status.json`);
  if (text === undefined) return undefined;
  const [ok, doc] = pcall(() => decodeJson(text).value as Partial<StatusFileV1> | undefined);
  if (!ok || typeof doc !== 'object') return undefined;
  return doc.v === 1 && doc.ifaces && Array.isArray(doc.policies) ? (doc as StatusFileV1) : undefined;
}

export function runStatus(argv: string[]): number {
  let flags;
  let paths;
  try {
    flags = parseFlags(argv, {
      config: { type: 'string' },
      'mwan3-config': { type: 'string' },
      'network-config': { type: 'string' },
      'assume-online': { type: 'string' },
      'spool-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    if (flags.get('help') === true) {
      writeOut(`${STATUS_HELP}\n`);
      return 0;
    }
    paths = resolvePaths(flags);
  } catch (e) {
    if (!(e instanceof ArgsError) && !(e instanceof StatusInputError)) throw e;
    writeErr(`status: ${e.message}\n\n${STATUS_HELP}\n`);
    return 2;
  }
  let config;
  try {
    const text = readTextFile(paths.mwan3Config);
    if (text === undefined)
      throw new StatusInputError(`ENOENT: no such file or directory, open '${paths.mwan3Config}'`);
    config = parseMwan3Config(text);
  } catch (e) {
    if (e instanceof UciParseError || e instanceof Mwan3ConfigError || e instanceof StatusInputError) {
      writeErr(`status: ${paths.mwan3Config}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const assume = flagString(flags, 'assume-online');
  if (assume !== undefined) {
    const assumeOnline = assume
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const unknown = assumeOnline.filter((n) => !config.interfaces.some((i) => i.name === n));
    if (unknown.length > 0) writeErr(`status: --assume-online: no mwan3 interface named ${unknown.join(', ')}\n`);
    const view = buildStatusView(config, undefined, assumeOnline, nowMs());
    writeOut(formatMwan3Status(view.ifaces, view.chains) + '\n');
    return 0;
  }
  const file = readStatusFile(paths.spoolDir);
  const liveness = judgeReporterLiveness(file, nowMs(), pidAlive);
  const live = liveness.kind === 'live' ? file : undefined;
  const view = buildStatusView(config, live, undefined, nowMs());
  const head = [livenessLine(liveness)];
  if (file?.counters) head.push(countersLine(file.counters));
  writeOut(`${head.join('\n')}\n\n${formatMwan3Status(view.ifaces, view.chains)}\n`);
  return live ? 0 : 3;
}
