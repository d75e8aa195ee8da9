import { parseUci, uciString } from '../config/uci.ts';

/**
 * The reporter's settings, from three places (later wins): UCI `/etc/config/wanwatch` (section
 * `config reporter 'main'`), `WANWATCH_*` environment variables, command-line flags.
 * Every setting has one name per place, derived from one table so they cannot drift:
 *
 * | setting         | flag                 | environment                  | UCI option         | default              |
 * |-----------------|----------------------|------------------------------|--------------------|----------------------|
 * | server          | `--server`           | `WANWATCH_SERVER`            | `server`           | (required)           |
 * | deviceId        | `--device-id`        | `WANWATCH_DEVICE_ID`         | `device_id`        | (required)           |
 * | token           | `--token`            | `WANWATCH_TOKEN`             | `token`            | (required)           |
 * | mwan3Config     | `--mwan3-config`     | `WANWATCH_MWAN3_CONFIG`      | `mwan3_config`     | `/etc/config/mwan3`  |
 * | networkConfig   | `--network-config`   | `WANWATCH_NETWORK_CONFIG`    | `network_config`   | `/etc/config/network`|
 * | spoolDir        | `--spool-dir`        | `WANWATCH_SPOOL_DIR`         | `spool_dir`        | `/tmp/wanwatch`      |
 * | spoolMaxBytes   | `--spool-max-bytes`  | `WANWATCH_SPOOL_MAX_BYTES`   | `spool_max_bytes`  | 4194304              |
 * | source          | `--source`           | `WANWATCH_SOURCE`            | `source`           | `native`             |
 * | policyIntervalS | `--policy-interval`  | `WANWATCH_POLICY_INTERVAL`   | `policy_interval`  | 10                   |
 * | uploadIntervalS | `--upload-interval`  | `WANWATCH_UPLOAD_INTERVAL`   | `upload_interval`  | 5                    |
 * | logLevel        | `--log-level`        | `WANWATCH_LOG_LEVEL`         | `log_level`        | `info`               |
 * | sourceRules     | `--source-rules`     | `WANWATCH_SOURCE_RULES`      | `source_rules`     | 0                    |
 */
export const SETTINGS = {
  server: { flag: 'server', env: 'WANWATCH_SERVER', uci: 'server' },
  deviceId: { flag: 'device-id', env: 'WANWATCH_DEVICE_ID', uci: 'device_id' },
  token: { flag: 'token', env: 'WANWATCH_TOKEN', uci: 'token' },
  mwan3Config: { flag: 'mwan3-config', env: 'WANWATCH_MWAN3_CONFIG', uci: 'mwan3_config' },
  networkConfig: { flag: 'network-config', env: 'WANWATCH_NETWORK_CONFIG', uci: 'network_config' },
  spoolDir: { flag: 'spool-dir', env: 'WANWATCH_SPOOL_DIR', uci: 'spool_dir' },
  spoolMaxBytes: { flag: 'spool-max-bytes', env: 'WANWATCH_SPOOL_MAX_BYTES', uci: 'spool_max_bytes' },
  source: { flag: 'source', env: 'WANWATCH_SOURCE', uci: 'source' },
  policyIntervalS: { flag: 'policy-interval', env: 'WANWATCH_POLICY_INTERVAL', uci: 'policy_interval' },
  uploadIntervalS: { flag: 'upload-interval', env: 'WANWATCH_UPLOAD_INTERVAL', uci: 'upload_interval' },
  logLevel: { flag: 'log-level', env: 'WANWATCH_LOG_LEVEL', uci: 'log_level' },
  sourceRules: { flag: 'source-rules', env: 'WANWATCH_SOURCE_RULES', uci: 'source_rules' },
} as const;
export type SettingName = keyof typeof SETTINGS;

/** Where the UCI file is looked for unless `--config FILE` / `WANWATCH_REPORTER_CONFIG` says otherwise. */
export const DEFAULT_UCI_PATH = '/etc/config/wanwatch';

export class RunConfigError extends Error {
  override name = 'RunConfigError';
}

export type RawSettings = Partial<Record<SettingName, string>>;

/** `--name` / `--name=value` with a name of [a-z0-9-]; undefined for anything else. */
function splitFlag(arg: string): { name: string; value?: string } | undefined {
  if (!arg.startsWith('--')) return undefined;
  const eq = arg.indexOf('=');
  const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
  if (name.length === 0) return undefined;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45)) return undefined;
  }
  return eq < 0 ? { name } : { name, value: arg.slice(eq + 1) };
}

/** Flags `--name value` / `--name=value` of known settings; unknown flags are an error naming them. */
export function settingsFromArgv(argv: readonly string[]): { settings: RawSettings; configPath?: string } {
  const byFlag = new Map<string, SettingName>(Object.entries(SETTINGS).map(([k, v]) => [v.flag, k as SettingName]));
  const settings: RawSettings = {};
  let configPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const flag = splitFlag(a);
    if (!flag) throw new RunConfigError(`unexpected argument "${a}"`);
    const value = flag.value ?? argv[++i];
    if (value === undefined) throw new RunConfigError(`--${flag.name} needs a value`);
    if (flag.name === 'config') configPath = value;
    else {
      const key = byFlag.get(flag.name);
      if (key === undefined) throw new RunConfigError(`unknown option --${flag.name}`);
      settings[key] = value;
    }
  }
  return configPath === undefined ? { settings } : { settings, configPath };
}

/** `process.env` in the Node build; the Lua build passes the WANWATCH_* variables it looked up. */
export function settingsFromEnv(env: Readonly<Partial<Record<string, string>>>): RawSettings {
  const out: RawSettings = {};
  for (const [k, v] of Object.entries(SETTINGS)) {
    const val = env[v.env];
    if (val !== undefined && val !== '') out[k as SettingName] = val;
  }
  return out;
}

/** Options of the first `reporter` section of a UCI file (`option enabled '0'` disables the whole thing). */
export function settingsFromUci(text: string): { settings: RawSettings; enabled: boolean } {
  const section = parseUci(text).sections.find((s) => s.type === 'reporter');
  const out: RawSettings = {};
  if (!section) return { settings: out, enabled: true };
  for (const [k, v] of Object.entries(SETTINGS)) {
    const val = uciString(section, v.uci);
    if (val !== undefined && val !== '') out[k as SettingName] = val;
  }
  return { settings: out, enabled: uciString(section, 'enabled') !== '0' };
}
