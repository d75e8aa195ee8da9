import { RUN_HELP } from '../../../cli/help-texts.ts';
import {
  DEFAULT_UCI_PATH,
  RunConfigError,
  settingsFromArgv,
  settingsFromEnv,
  settingsFromUci,
  type RawSettings,
} from '../../../run/settings-sources.ts';
import { loadTrackedInterfaces, type LoadedTracking } from '../../../config/load-tracked.ts';
import { fileExists, getEnv, nowMs, readTextFile, writeErr } from '../platform/system.ts';
import { wanwatchEnv } from '../cli/status.ts';
import { resolveLeanRunConfig, type LeanRunConfig } from './run-settings.ts';

/**
 * The lean `run`'s settings, with the Node build's precedence (flags > environment > UCI): the
 * configuration, or the exit code when there is nothing to run (0: disabled in UCI; 2: bad input,
 * with the help text).
 */
export function readConfig(argv: string[]): LeanRunConfig | number {
  try {
    const { settings: flags, configPath } = settingsFromArgv(argv);
    const uciPath = configPath ?? getEnv('WANWATCH_REPORTER_CONFIG') ?? DEFAULT_UCI_PATH;
    let uci: RawSettings = {};
    const text = readTextFile(uciPath);
    if (text !== undefined) {
      const u = settingsFromUci(text);
      if (!u.enabled) {
        writeErr(`wanwatch-reporter: disabled in ${uciPath} (option enabled '0')\n`);
        return 0;
      }
      uci = u.settings;
    } else if (configPath !== undefined) throw new RunConfigError(`--config ${configPath}: no such file`);
    return resolveLeanRunConfig(uci, settingsFromEnv(wanwatchEnv()), flags);
  } catch (err) {
    if (!(err instanceof RunConfigError) && !(err instanceof Error && err.name === 'UciParseError')) throw err;
    writeErr(`wanwatch-reporter run: ${err.message}\n\n${RUN_HELP}\n`);
    return 2;
  }
}

/** 16 hex digits from /dev/urandom (the Node build: 8 random bytes as hex). */
export function newBootId(): string {
  const [f] = io.open('/dev/urandom', 'rb');
  const bytes = f?.read(8) ?? tostring(nowMs());
  f?.close();
  let out = '';
  for (let i = 1; i <= 8; i++) out += string.format('%02x', string.byte(bytes, i) ?? 0);
  return out;
}

/** The tracked interfaces from the mwan3 and network configuration files (at start and on SIGHUP). */
export function loadTracking(cfg: LeanRunConfig): LoadedTracking {
  return loadTrackedInterfaces(
    readTextFile(cfg.mwan3Config) ?? '',
    fileExists(cfg.networkConfig) ? readTextFile(cfg.networkConfig) : undefined,
  );
}
