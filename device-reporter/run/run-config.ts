import { z } from 'zod';
import { deviceIdSchema } from '../../contract/index.ts';
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

export const runConfigSchema = z.strictObject({
  server: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  deviceId: deviceIdSchema,
  token: z.string().min(8, 'must be the device token printed by `wanwatch device add`'),
  mwan3Config: z.string().min(1).default('/etc/config/mwan3'),
  networkConfig: z.string().min(1).default('/etc/config/network'),
  spoolDir: z.string().min(1).default('/tmp/wanwatch'),
  spoolMaxBytes: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .max(1024 ** 3)
    .default(4 * 1024 * 1024),
  source: z.enum(['native', 'mwan3']).default('native'),
  policyIntervalS: z.coerce.number().int().min(1).max(3600).default(10),
  /** Longest wait before samples are uploaded (transitions always go at once); larger fleets batch longer. */
  uploadIntervalS: z.coerce.number().int().min(1).max(300).default(5),
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  sourceRules: z.stringbool({ error: 'must be 0 or 1' }).default(false),
});
export type RunConfig = z.infer<typeof runConfigSchema>;

export class RunConfigError extends Error {
  override name = 'RunConfigError';
}

export type RawSettings = Partial<Record<SettingName, string>>;

/** Flags `--name value` / `--name=value` of known settings; unknown flags are an error naming them. */
export function settingsFromArgv(argv: readonly string[]): { settings: RawSettings; configPath?: string } {
  const byFlag = new Map<string, SettingName>(Object.entries(SETTINGS).map(([k, v]) => [v.flag, k as SettingName]));
  const settings: RawSettings = {};
  let configPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new RunConfigError(`unexpected argument "${a}"`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new RunConfigError(`--${m[1]} needs a value`);
    if (m[1] === 'config') configPath = value;
    else {
      const key = byFlag.get(m[1]!);
      if (!key) throw new RunConfigError(`unknown option --${m[1]}`);
      settings[key] = value;
    }
  }
  return configPath === undefined ? { settings } : { settings, configPath };
}

export function settingsFromEnv(env: NodeJS.ProcessEnv): RawSettings {
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

/** Validates merged settings; the error names the setting in all three spellings. */
export function resolveRunConfig(...layers: RawSettings[]): RunConfig {
  const merged: RawSettings = Object.assign({}, ...layers);
  const r = runConfigSchema.safeParse(merged);
  if (r.success) return r.data;
  const lines = r.error.issues.map((iss) => {
    const key = String(iss.path[0] ?? '') as SettingName;
    const s = SETTINGS[key];
    const where = s ? `${key} (--${s.flag}, ${s.env}, uci option ${s.uci})` : key || '(settings)';
    const msg = merged[key] === undefined && s ? 'is required' : iss.message;
    return `${where}: ${msg}`;
  });
  throw new RunConfigError(`invalid reporter settings:\n  ${lines.join('\n  ')}`);
}
