import { resolveAlertingOptions, type AlertingOptions } from '../alerting/options.ts';
import { loadReceiverSetup, type ReceiverSetup } from '../alerting/index.ts';
import type { ReportSchedule } from '../reports/index.ts';
import { influxUrlWithCredentials } from '../store/index.ts';
import { ConfigError, SETTINGS, readSettings, type SettingKey, type Settings } from './settings.ts';

/**
 * The backend's configuration as the host and its plugins use it, built from the settings table
 * (backend/settings.ts: every WANWATCH_* variable, validated once, errors naming the variable).
 */
export * from './settings.ts';

/** The HTTP server's limits (WANWATCH_HTTP_*, WANWATCH_MAX_BODY_BYTES_IN_FLIGHT). */
export interface HttpLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxBodyBytesInFlight: number;
}

/** The table's defaults, for code that builds a config by hand (tests). */
export const HTTP_LIMIT_DEFAULTS: HttpLimits = {
  headersTimeoutMs: Number(SETTINGS.WANWATCH_HTTP_HEADERS_TIMEOUT_MS.default),
  requestTimeoutMs: Number(SETTINGS.WANWATCH_HTTP_REQUEST_TIMEOUT_MS.default),
  keepAliveTimeoutMs: Number(SETTINGS.WANWATCH_HTTP_KEEPALIVE_TIMEOUT_MS.default),
  maxBodyBytesInFlight: Number(SETTINGS.WANWATCH_MAX_BODY_BYTES_IN_FLIGHT.default),
};

/** What the backend host and its plugins run with. */
export interface BackendConfig {
  influxUrl: string;
  redisUrl: string;
  redisPrefix: string;
  smtpUrl?: string;
  mailFrom: string;
  alertEmails: string[];
  adminToken: string;
  /** Read-only (viewer) tokens: GET on the admin API only. */
  viewerTokens?: string[];
  grafanaUrl?: string;
  grafanaToken?: string;
  /** Public base URL of the API, for signed links in emails and chat messages; none when unset. */
  publicUrl?: string;
  port: number;
  dataDir: string;
  rawRetention: string;
  /** `managed`: the backend creates the InfluxDB schema; `external`: an administrator did (checked at start). */
  influxSchema?: 'managed' | 'external';
  logLevel: string;
  http?: Partial<HttpLimits>;
  /** Alerting tunables set in the environment (the rest keep alerting's defaults). */
  alerting?: Partial<AlertingOptions>;
  /** Chat and paging receivers and their routes (WANWATCH_ROUTES_FILE); none when unset. */
  receiverSetup?: ReceiverSetup;
  /** Scheduled uptime emails; entries set to false are removed from Redis. Undefined: leave alone. */
  reportSchedule?: ReportSchedule;
  /** Uptime reports: coverage in % below which availability is not meaningful. */
  reportMinCoveragePct?: number;
}

const ALERTING_ENV = new Map<keyof AlertingOptions, SettingKey>([
  ['groupWaitMs', 'WANWATCH_GROUP_WAIT_MS'],
  ['watchdogMinMs', 'WANWATCH_WATCHDOG_MIN_MS'],
  ['flapMaxChanges', 'WANWATCH_FLAP_MAX_CHANGES'],
  ['flapWindowMs', 'WANWATCH_FLAP_WINDOW_MS'],
  ['reminderIntervalMs', 'WANWATCH_REMINDER_INTERVAL_MS'],
  ['qualityWindowMs', 'WANWATCH_QUALITY_WINDOW_MS'],
  ['qualityMinDurationMs', 'WANWATCH_QUALITY_MIN_DURATION_MS'],
  ['qualityLossEnterPct', 'WANWATCH_QUALITY_LOSS_ENTER_PCT'],
  ['qualityLossLeavePct', 'WANWATCH_QUALITY_LOSS_LEAVE_PCT'],
  ['qualityRttP95EnterMs', 'WANWATCH_QUALITY_RTT_P95_ENTER_MS'],
  ['qualityRttP95LeaveMs', 'WANWATCH_QUALITY_RTT_P95_LEAVE_MS'],
  ['qualityJitterEnterMs', 'WANWATCH_QUALITY_JITTER_ENTER_MS'],
  ['qualityJitterLeaveMs', 'WANWATCH_QUALITY_JITTER_LEAVE_MS'],
]);

/**
 * Checks the alerting tunables against alerting's own ranges before anything starts, so a bad one
 * stops start-up with the variable's name instead of failing later inside the started backend.
 */
export function checkAlertingSettings(alerting: Partial<AlertingOptions>): void {
  try {
    resolveAlertingOptions(alerting);
  } catch (err) {
    const msg = (err as Error).message;
    const m = /^alerting option ([A-Za-z]+): (.*)$/s.exec(msg);
    const key = m ? ALERTING_ENV.get(m[1] as keyof AlertingOptions) : undefined;
    throw new ConfigError(key ? `${key}: ${m![2]}` : msg);
  }
}

/** Checks across settings (and alerting's own ranges); returns the alerting tunables. Throws ConfigError. */
export function checkBackendSettings(s: Settings): Partial<AlertingOptions> {
  if (s.WANWATCH_HTTP_HEADERS_TIMEOUT_MS > s.WANWATCH_HTTP_REQUEST_TIMEOUT_MS)
    throw new ConfigError('WANWATCH_HTTP_HEADERS_TIMEOUT_MS must not exceed WANWATCH_HTTP_REQUEST_TIMEOUT_MS');
  const alerting: Partial<AlertingOptions> = {};
  for (const [option, key] of ALERTING_ENV) alerting[option] = s[key] as never;
  checkAlertingSettings(alerting);
  return alerting;
}

/**
 * The backend's configuration from settings read for `serve` or `up`. `up` supplies the service
 * URLs (its own influxd and redis-server) and, when unset, a generated admin token; every other
 * value and default is the same as `serve`'s.
 */
export function backendConfig(
  s: Settings,
  supplied: { influxUrl?: string; redisUrl?: string; adminToken?: string } = {},
): BackendConfig {
  const need = <T>(v: T | undefined, key: SettingKey): T => {
    if (v === undefined) throw new ConfigError(`${key} is required`);
    return v;
  };
  const alerting = checkBackendSettings(s);
  return {
    influxUrl: supplied.influxUrl ?? influxUrlOf(s),
    redisUrl: need(supplied.redisUrl ?? s.WANWATCH_REDIS_URL, 'WANWATCH_REDIS_URL'),
    redisPrefix: s.WANWATCH_REDIS_PREFIX,
    ...(s.WANWATCH_SMTP_URL ? { smtpUrl: s.WANWATCH_SMTP_URL } : {}),
    mailFrom: s.WANWATCH_MAIL_FROM,
    alertEmails: s.WANWATCH_ALERT_EMAILS,
    adminToken: need(s.WANWATCH_ADMIN_TOKEN ?? supplied.adminToken, 'WANWATCH_ADMIN_TOKEN'),
    ...(s.WANWATCH_GRAFANA_URL ? { grafanaUrl: s.WANWATCH_GRAFANA_URL } : {}),
    ...(s.WANWATCH_GRAFANA_TOKEN ? { grafanaToken: s.WANWATCH_GRAFANA_TOKEN } : {}),
    ...(s.WANWATCH_PUBLIC_URL ? { publicUrl: s.WANWATCH_PUBLIC_URL } : {}),
    port: s.WANWATCH_PORT,
    dataDir: s.WANWATCH_DATA_DIR,
    rawRetention: s.WANWATCH_RAW_RETENTION,
    influxSchema: s.WANWATCH_INFLUX_SCHEMA,
    logLevel: s.WANWATCH_LOG_LEVEL,
    http: {
      headersTimeoutMs: s.WANWATCH_HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: s.WANWATCH_HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: s.WANWATCH_HTTP_KEEPALIVE_TIMEOUT_MS,
      maxBodyBytesInFlight: s.WANWATCH_MAX_BODY_BYTES_IN_FLIGHT,
    },
    alerting,
    reportSchedule: s.WANWATCH_REPORT_SCHEDULE,
    reportMinCoveragePct: s.WANWATCH_REPORT_MIN_COVERAGE_PCT,
    viewerTokens: s.WANWATCH_VIEWER_TOKENS,
    ...(s.WANWATCH_ROUTES_FILE ? { receiverSetup: routesFile(s.WANWATCH_ROUTES_FILE) } : {}),
  };
}

/** WANWATCH_INFLUX_URL with WANWATCH_INFLUX_USERNAME / _PASSWORD applied: what every InfluxDB client is built from. */
export function influxUrlOf(s: Partial<Settings>): string {
  if (s.WANWATCH_INFLUX_URL === undefined) throw new ConfigError('WANWATCH_INFLUX_URL is required');
  return influxUrlWithCredentials(s.WANWATCH_INFLUX_URL, s.WANWATCH_INFLUX_USERNAME, s.WANWATCH_INFLUX_PASSWORD);
}

/** The receivers and routes file, read and validated once at start; the error names the variable and the field. */
function routesFile(path: string): ReceiverSetup {
  try {
    return loadReceiverSetup(path);
  } catch (err) {
    throw new ConfigError(`WANWATCH_ROUTES_FILE ${(err as Error).message}`);
  }
}

/** `serve`'s configuration from the environment (`overrides`: flags); throws ConfigError. */
export function loadBackendConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Record<SettingKey, string>> = {},
): BackendConfig {
  return backendConfig(readSettings('serve', env, overrides));
}
