import { existsSync, readFileSync } from 'node:fs';
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

export const HELP = `wanwatch-reporter run — track every WAN, spool, upload to the wanwatch backend

Usage: wanwatch-reporter run --server URL --device-id ID --token TOKEN
         [--mwan3-config /etc/config/mwan3] [--network-config /etc/config/network]
         [--spool-dir /tmp/wanwatch] [--source native|mwan3]
         [--spool-max-bytes 4194304] [--policy-interval 10] [--upload-interval 5] [--log-level info]
         [--source-rules 0|1]
         [--config /etc/config/wanwatch]

Settings come from UCI /etc/config/wanwatch (config reporter 'main'), then WANWATCH_* environment
variables (WANWATCH_SERVER, WANWATCH_DEVICE_ID, WANWATCH_TOKEN, WANWATCH_MWAN3_CONFIG,
WANWATCH_NETWORK_CONFIG, WANWATCH_SPOOL_DIR, WANWATCH_SOURCE, WANWATCH_SPOOL_MAX_BYTES,
WANWATCH_POLICY_INTERVAL, WANWATCH_UPLOAD_INTERVAL, WANWATCH_LOG_LEVEL, WANWATCH_SOURCE_RULES), then flags;
later wins. --upload-interval S: samples wait at most S seconds (default 5) for a batch; transitions go at once.

  --source native   probe each WAN like mwan3track does (default)
  --source mwan3    take link state from \`ubus call mwan3 status\` (mwan3 already tracks)
  --source-rules 1  add \`ip rule from <WAN address> lookup <mwan3 table>\` per WAN so that uploads
                    bound to a WAN's address leave through that WAN (removed on exit)

Lifecycle (records per interface; docs/openwrt.md):
  start     'start' from the last confirmed state of the previous run (kept in
            <spool-dir>/confirmed-links.json) to initial_state; routing follows initial_state.
            When the probes confirm a different state, one 'track' transition says so.
  SIGHUP    re-reads the mwan3/network config: unchanged interfaces keep their state (no records);
            changed, added or removed ones get 'config' transitions.
  SIGTERM   (or SIGINT) 'stop' to unknown for every interface, no policy snapshot, then the spool
            is flushed for up to 5 s and the process exits.
  hotplug   /etc/hotplug.d/iface/30-wanwatch writes netifd's ifdown/ifup to <spool-dir>/hotplug/:
            ifdown takes the interface offline at once ('ifdown'), ifup restarts its tracking ('ifup').
\`wanwatch-reporter status\` says whether the reporter runs and shows its record counters.
Logs are JSON lines on stderr. Exit codes: 0 stopped cleanly, 2 bad settings, 1 failure.`;

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
