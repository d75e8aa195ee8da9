import { z } from 'zod';
import { DEFAULT_RAW_RETENTION, parseInfluxUrl } from '../contract/index.ts';
import { HTTP_LIMIT_DEFAULTS, type BackendConfig } from '../ingest/backend.ts';
import { resolveAlertingOptions, type AlertingOptions } from '../alerting/options.ts';

export type { BackendConfig };

/**
 * The backend's configuration, from WANWATCH_* environment variables, validated once at start-up.
 * Every message names the variable that is missing or wrong.
 */

/** An integer setting in [min, max] (milliseconds or bytes); the message names the key. */
const ms = (key: string, min: number, max: number) =>
  z.coerce
    .number({ message: `${key} must be a number` })
    .int(`${key} must be an integer`)
    .min(min, `${key} must be from ${min} to ${max}`)
    .max(max, `${key} must be from ${min} to ${max}`);

/**
 * Why an admin token is refused, or undefined when it is fine: at least 16 characters, no
 * whitespace or control characters (a bearer token cannot carry them, and a token of spaces is
 * no secret).
 */
export function adminTokenProblem(token: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(token))
    return 'WANWATCH_ADMIN_TOKEN must not contain spaces or control characters';
  if (token.length < 16) return 'WANWATCH_ADMIN_TOKEN must be at least 16 characters';
  return undefined;
}

const url = (key: string, protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `${key} must be a URL (${protocols.map((p) => p + '//').join(' or ')}...)` },
  );

const emailList = z
  .string()
  .transform((s) => s.split(/[,\s]+/).filter(Boolean))
  .pipe(z.array(z.email({ message: 'WANWATCH_ALERT_EMAILS: every entry must be an email address' })));

const envSchema = z.object({
  WANWATCH_INFLUX_URL: z.string().superRefine((v, ctx) => {
    try {
      parseInfluxUrl(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
  }),
  WANWATCH_REDIS_URL: url('WANWATCH_REDIS_URL', ['redis:', 'rediss:']),
  WANWATCH_SMTP_URL: url('WANWATCH_SMTP_URL', ['smtp:', 'smtps:']).optional(),
  WANWATCH_MAIL_FROM: z
    .string()
    .min(3, 'WANWATCH_MAIL_FROM must be an address like "wanwatch <noc@example.com>"')
    .default('wanwatch <wanwatch@localhost>'),
  WANWATCH_ALERT_EMAILS: emailList.default([]),
  WANWATCH_ADMIN_TOKEN: z.string().superRefine((v, ctx) => {
    const problem = adminTokenProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  WANWATCH_GRAFANA_URL: url('WANWATCH_GRAFANA_URL', ['http:', 'https:']).optional(),
  WANWATCH_GRAFANA_TOKEN: z.string().min(1).optional(),
  WANWATCH_PORT: z.coerce
    .number({ message: 'WANWATCH_PORT must be a port number' })
    .int('WANWATCH_PORT must be an integer')
    .min(0, 'WANWATCH_PORT must be 0-65535')
    .max(65535, 'WANWATCH_PORT must be 0-65535')
    .default(8080),
  WANWATCH_DATA_DIR: z.string().min(1).default('.wanwatch'),
  WANWATCH_RAW_RETENTION: z
    .string()
    .regex(/^(\d+[wdhms])+$|^INF$/, 'WANWATCH_RAW_RETENTION must be an InfluxQL duration like 30d, 720h or INF')
    .default(DEFAULT_RAW_RETENTION),
  WANWATCH_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'WANWATCH_REDIS_PREFIX: letters, digits, "_" and "-"')
    .default('ww'),
  WANWATCH_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WANWATCH_HTTP_HEADERS_TIMEOUT_MS: ms('WANWATCH_HTTP_HEADERS_TIMEOUT_MS', 1_000, 600_000).default(
    HTTP_LIMIT_DEFAULTS.headersTimeoutMs,
  ),
  WANWATCH_HTTP_REQUEST_TIMEOUT_MS: ms('WANWATCH_HTTP_REQUEST_TIMEOUT_MS', 1_000, 3_600_000).default(
    HTTP_LIMIT_DEFAULTS.requestTimeoutMs,
  ),
  WANWATCH_HTTP_KEEPALIVE_TIMEOUT_MS: ms('WANWATCH_HTTP_KEEPALIVE_TIMEOUT_MS', 1_000, 600_000).default(
    HTTP_LIMIT_DEFAULTS.keepAliveTimeoutMs,
  ),
  WANWATCH_MAX_BODY_BYTES_IN_FLIGHT: ms('WANWATCH_MAX_BODY_BYTES_IN_FLIGHT', 1024 * 1024, 16 * 1024 ** 3).default(
    HTTP_LIMIT_DEFAULTS.maxBodyBytesInFlight,
  ),
});

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const REQUIRED_HINT: Record<string, string> = {
  WANWATCH_INFLUX_URL:
    'WANWATCH_INFLUX_URL is required (e.g. http://127.0.0.1:8086/wanwatch); `wanwatch up` starts an embedded InfluxDB instead',
  WANWATCH_REDIS_URL:
    'WANWATCH_REDIS_URL is required (e.g. redis://127.0.0.1:6379); `wanwatch up` starts an embedded Redis instead',
  WANWATCH_ADMIN_TOKEN: 'WANWATCH_ADMIN_TOKEN is required (a secret of at least 16 characters for the admin API)',
};

/** Reads and validates the environment; throws ConfigError listing every bad or missing key. */
export function loadBackendConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Record<keyof z.input<typeof envSchema>, string>> = {},
): BackendConfig {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const v = (overrides as Record<string, string | undefined>)[key] ?? env[key];
    input[key] = v === '' ? undefined : v;
  }
  const r = envSchema.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      if (input[key] === undefined && REQUIRED_HINT[key]) return REQUIRED_HINT[key];
      return i.message.startsWith(key) ? i.message : `${key}: ${i.message}`;
    });
    throw new ConfigError([...new Set(lines)].join('\n'));
  }
  const e = r.data;
  if (e.WANWATCH_HTTP_HEADERS_TIMEOUT_MS > e.WANWATCH_HTTP_REQUEST_TIMEOUT_MS)
    throw new ConfigError('WANWATCH_HTTP_HEADERS_TIMEOUT_MS must not exceed WANWATCH_HTTP_REQUEST_TIMEOUT_MS');
  return {
    influxUrl: e.WANWATCH_INFLUX_URL,
    redisUrl: e.WANWATCH_REDIS_URL,
    redisPrefix: e.WANWATCH_REDIS_PREFIX,
    smtpUrl: e.WANWATCH_SMTP_URL,
    mailFrom: e.WANWATCH_MAIL_FROM,
    alertEmails: e.WANWATCH_ALERT_EMAILS,
    adminToken: e.WANWATCH_ADMIN_TOKEN,
    grafanaUrl: e.WANWATCH_GRAFANA_URL,
    grafanaToken: e.WANWATCH_GRAFANA_TOKEN,
    port: e.WANWATCH_PORT,
    dataDir: e.WANWATCH_DATA_DIR,
    rawRetention: e.WANWATCH_RAW_RETENTION,
    logLevel: e.WANWATCH_LOG_LEVEL,
    http: {
      headersTimeoutMs: e.WANWATCH_HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.WANWATCH_HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.WANWATCH_HTTP_KEEPALIVE_TIMEOUT_MS,
      maxBodyBytesInFlight: e.WANWATCH_MAX_BODY_BYTES_IN_FLIGHT,
    },
  };
}

const ALERTING_ENV = new Map<string, string>([
  ['groupWaitMs', 'WANWATCH_GROUP_WAIT_MS'],
  ['watchdogMinMs', 'WANWATCH_WATCHDOG_MIN_MS'],
  ['flapMaxChanges', 'WANWATCH_FLAP_MAX_CHANGES'],
  ['flapWindowMs', 'WANWATCH_FLAP_WINDOW_MS'],
  ['reminderIntervalMs', 'WANWATCH_REMINDER_INTERVAL_MS'],
]);

/**
 * Checks the alerting tunables read from the environment against alerting's own ranges before
 * anything starts, so a bad one stops start-up with the variable's name instead of failing later
 * inside the started backend.
 */
export function checkAlertingSettings(alerting: Partial<AlertingOptions>): void {
  try {
    resolveAlertingOptions(alerting);
  } catch (err) {
    const msg = (err as Error).message;
    const m = /^alerting option ([A-Za-z]+): (.*)$/s.exec(msg);
    const key = m ? ALERTING_ENV.get(m[1]!) : undefined;
    throw new ConfigError(key ? `${key}: ${m![2]}` : msg);
  }
}
