import { existsSync, readFileSync } from 'node:fs';
import { RUN_HELP } from './help-texts.ts';
import { createJsonLogger } from '../spool/logger.ts';
import {
  DEFAULT_UCI_PATH,
  resolveRunConfig,
  RunConfigError,
  settingsFromArgv,
  settingsFromEnv,
  settingsFromUci,
  startReporter,
  type RawSettings,
} from '../run/index.ts';

export const HELP = RUN_HELP;

export async function run(argv: string[]): Promise<number> {
  let cfg;
  try {
    const { settings: flags, configPath } = settingsFromArgv(argv);
    const uciPath = configPath ?? process.env.WANWATCH_REPORTER_CONFIG ?? DEFAULT_UCI_PATH;
    let uci: RawSettings = {};
    if (existsSync(uciPath)) {
      const u = settingsFromUci(readFileSync(uciPath, 'utf8'));
      if (!u.enabled) {
        process.stderr.write(`wanwatch-reporter: disabled in ${uciPath} (option enabled '0')\n`);
        return 0;
      }
      uci = u.settings;
    } else if (configPath) {
      throw new RunConfigError(`--config ${configPath}: no such file`);
    }
    cfg = resolveRunConfig(uci, settingsFromEnv(process.env), flags);
  } catch (err) {
    if (!(err instanceof RunConfigError) && !(err instanceof Error && err.name === 'UciParseError')) throw err;
    process.stderr.write(`wanwatch-reporter run: ${err.message}\n\n${HELP}\n`);
    return 2;
  }
  const logger = createJsonLogger(cfg.logLevel, undefined, { deviceId: cfg.deviceId });
  let reporter;
  try {
    reporter = await startReporter(
      {
        serverUrl: cfg.server,
        deviceId: cfg.deviceId,
        token: cfg.token,
        mwan3ConfigPath: cfg.mwan3Config,
        ...(existsSync(cfg.networkConfig) ? { networkConfigPath: cfg.networkConfig } : {}),
        spoolDir: cfg.spoolDir,
        spoolMaxBytes: cfg.spoolMaxBytes,
        source: cfg.source,
        policyIntervalMs: cfg.policyIntervalS * 1000,
        uploader: { maxDelayMs: cfg.uploadIntervalS * 1000 },
        sourceRules: cfg.sourceRules,
      },
      { logger },
    );
  } catch (err) {
    logger.error({ err }, 'reporter could not start');
    return 1;
  }
  const r = reporter;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      r.stop().then(
        () => resolve(0),
        (err: unknown) => {
          logger.error({ err }, 'stop failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      logger.info({}, 'SIGHUP: reloading configuration');
      void r.reload();
    });
  });
}
