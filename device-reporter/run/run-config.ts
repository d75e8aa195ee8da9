import { z } from 'zod';
import { deviceIdSchema } from '../../contract/index.ts';
import { SETTINGS, RunConfigError, type RawSettings, type SettingName } from './settings-sources.ts';

export {
  DEFAULT_UCI_PATH,
  RunConfigError,
  SETTINGS,
  settingsFromArgv,
  settingsFromEnv,
  settingsFromUci,
  type RawSettings,
  type SettingName,
} from './settings-sources.ts';

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
