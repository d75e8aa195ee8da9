/**
 * `run`'s settings in the lean build: the same three places and names as the Node build
 * (run/settings-sources.ts), checked by hand instead of with zod, with the same message shape:
 * `deviceId (--device-id, WANWATCH_DEVICE_ID, uci option device_id): is required`.
 */
import { RunConfigError, SETTINGS, type RawSettings, type SettingName } from '../../../run/settings-sources.ts';
import { tlsAvailable } from '../platform/tls.ts';

export interface LeanRunConfig {
  server: string;
  deviceId: string;
  token: string;
  mwan3Config: string;
  networkConfig: string;
  spoolDir: string;
  spoolMaxBytes: number;
  source: 'native' | 'mwan3';
  policyIntervalS: number;
  uploadIntervalS: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  sourceRules: boolean;
}

function isInt(v: string): boolean {
  const n = tonumber(v);
  return n !== undefined && Math.floor(n) === n;
}

export function resolveLeanRunConfig(...layers: RawSettings[]): LeanRunConfig {
  const m: RawSettings = {};
  for (const l of layers) for (const [k, v] of Object.entries(l)) if (v !== undefined) m[k as SettingName] = v;
  const problems: string[] = [];
  const bad = (key: SettingName, msg: string): void => {
    const s = SETTINGS[key];
    problems.push(`${key} (--${s.flag}, ${s.env}, uci option ${s.uci}): ${m[key] === undefined ? 'is required' : msg}`);
  };
  const str = (key: SettingName, fallback?: string): string => {
    const v = m[key] ?? fallback;
    if (v === undefined || v === '') bad(key, 'must not be empty');
    return v ?? '';
  };
  const int = (key: SettingName, min: number, max: number, fallback: number): number => {
    const v = m[key];
    if (v === undefined) return fallback;
    if (!isInt(v) || tonumber(v)! < min || tonumber(v)! > max) bad(key, `must be an integer from ${min} to ${max}`);
    return tonumber(v) ?? fallback;
  };
  const server = str('server');
  if (m.server !== undefined && !server.startsWith('http://') && !server.startsWith('https://'))
    bad('server', 'must be an http:// or https:// URL');
  else if (server.startsWith('https://') && !tlsAvailable())
    bad('server', 'https:// needs luasec (OpenWrt package luasec; see docs/lean-reporter.md)');
  const deviceId = str('deviceId');
  const token = str('token');
  if (m.token !== undefined && token.length < 8)
    bad('token', 'must be the device token printed by `wanwatch device add`');
  const source = m.source ?? 'native';
  if (source !== 'native' && source !== 'mwan3') bad('source', 'Invalid option: expected one of "native"|"mwan3"');
  const logLevel = m.logLevel ?? 'info';
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel))
    bad('logLevel', 'must be debug, info, warn, error or silent');
  const rules = m.sourceRules ?? '0';
  if (rules !== '0' && rules !== '1') bad('sourceRules', 'must be 0 or 1');
  const cfg: LeanRunConfig = {
    server,
    deviceId,
    token,
    mwan3Config: str('mwan3Config', '/etc/config/mwan3'),
    networkConfig: str('networkConfig', '/etc/config/network'),
    spoolDir: str('spoolDir', '/tmp/wanwatch'),
    spoolMaxBytes: int('spoolMaxBytes', 64 * 1024, 1024 ** 3, 4 * 1024 * 1024),
    source: source === 'mwan3' ? 'mwan3' : 'native',
    policyIntervalS: int('policyIntervalS', 1, 3600, 10),
    uploadIntervalS: int('uploadIntervalS', 1, 300, 5),
    logLevel: logLevel as LeanRunConfig['logLevel'],
    sourceRules: rules === '1',
  };
  if (problems.length > 0) throw new RunConfigError(`invalid reporter settings:\n  ${problems.join('\n  ')}`);
  return cfg;
}
