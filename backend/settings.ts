import { z } from 'zod';
import { DEFAULT_RAW_RETENTION, DEFAULT_REDIS_PREFIX, parseInfluxUrl, parseRedisUrl } from '../store/index.ts';
import {
  REPORT_SCHEDULE_FORMS,
  adminTokenProblem,
  int,
  parseReportScheduleSetting,
  url,
  viewerTokens,
} from './setting-values.ts';
import { QUALITY_SETTINGS } from './quality-settings.ts';

/**
 * The backend's settings: ONE table of every WANWATCH_* environment variable (name, type, default,
 * the commands that read it, its documentation line). Every command (`serve`, `up`, `uptime`,
 * `dashboards`, `device`) reads its settings through `readSettings`, validated once at start-up;
 * every message names the variable. docs/deploy.md's table is checked against this one by a test.
 */

/** The CLI commands that read backend settings (`up` also supplies the service URLs itself). */
export type Command = 'serve' | 'up' | 'uptime' | 'dashboards' | 'device' | 'audit';
const BACKEND: Command[] = ['serve', 'up'];
const ALL: Command[] = ['serve', 'up', 'uptime', 'dashboards', 'device'];

export { adminTokenProblem, parseReportScheduleSetting } from './setting-values.ts';

interface Setting {
  schema: z.ZodType;
  /** The value used when the variable is unset or empty, as written in the environment. */
  default?: string;
  /** Shown when a command needs the variable and it is unset. */
  required?: string;
  usedBy: Command[];
  /** One line for docs/deploy.md. */
  doc: string;
}

export const SETTINGS = {
  WANWATCH_INFLUX_URL: {
    schema: z.string().superRefine((v, ctx) => {
      try {
        parseInfluxUrl(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
      }
    }),
    required: 'is required (e.g. http://127.0.0.1:8086/wanwatch); `wanwatch up` starts an embedded InfluxDB instead',
    usedBy: ['serve', 'uptime', 'dashboards', 'audit'],
    doc: 'InfluxDB, `http://[user:pass@]host:8086/database` (the path names the database)',
  },
  WANWATCH_INFLUX_USERNAME: {
    schema: z.string().min(1),
    usedBy: ['serve', 'uptime', 'dashboards'],
    doc: 'InfluxDB user (overrides the URL’s); with InfluxDB authentication on',
  },
  WANWATCH_INFLUX_PASSWORD: {
    schema: z.string().min(1),
    usedBy: ['serve', 'uptime', 'dashboards'],
    doc: 'InfluxDB password (overrides the URL’s); never logged',
  },
  WANWATCH_INFLUX_SCHEMA: {
    schema: z.enum(['managed', 'external'], { message: 'must be managed or external' }),
    default: 'managed',
    usedBy: BACKEND,
    doc: '`managed`: create the database, retention policies and continuous queries at start (needs an InfluxDB admin); `external`: create nothing, check what exists (docs/deploy.md, "InfluxDB schema")',
  },
  WANWATCH_REDIS_URL: {
    schema: z.string().superRefine((v, ctx) => {
      try {
        parseRedisUrl(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
    required: 'is required (e.g. redis://127.0.0.1:6379); `wanwatch up` starts an embedded Redis instead',
    usedBy: ['serve', 'uptime', 'dashboards', 'device'],
    doc: 'Redis, `redis://[:pass@]host:6379[/db]`; a Redis Cluster: `redis://h1:7000,h2:7001,…`',
  },
  WANWATCH_REDIS_PREFIX: {
    schema: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "_" and "-"'),
    default: DEFAULT_REDIS_PREFIX,
    usedBy: ALL,
    doc: 'key prefix in Redis, so several installations can share one Redis',
  },
  WANWATCH_ADMIN_TOKEN: {
    schema: z.string().superRefine((v, ctx) => {
      const problem = adminTokenProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    required: 'is required (a secret of at least 16 characters for the admin API)',
    usedBy: BACKEND,
    doc: 'secret for the admin API (16+ characters, no spaces); `up` generates one when unset',
  },
  WANWATCH_PORT: {
    schema: int(0, 65535),
    default: '8080',
    usedBy: BACKEND,
    doc: 'API port (`--port` overrides it)',
  },
  WANWATCH_DATA_DIR: {
    schema: z.string().min(1),
    default: '.wanwatch',
    usedBy: BACKEND,
    doc: 'local data: the mail outbox without SMTP; `up` also keeps its services and dashboards here',
  },
  WANWATCH_SMTP_URL: {
    schema: url(['smtp:', 'smtps:']),
    usedBy: BACKEND,
    doc: 'SMTP server (pooled); unset: emails are written to `WANWATCH_DATA_DIR/outbox/*.eml`',
  },
  WANWATCH_MAIL_FROM: {
    schema: z.string().min(3, 'must be an address like "wanwatch <noc@example.com>"'),
    default: 'wanwatch <wanwatch@localhost>',
    usedBy: BACKEND,
    doc: 'sender of every email',
  },
  WANWATCH_ALERT_EMAILS: {
    schema: z
      .string()
      .transform((s) => s.split(/[,\s]+/).filter(Boolean))
      .pipe(z.array(z.email({ message: 'every entry must be an email address' }))),
    default: '',
    usedBy: BACKEND,
    doc: 'NOC recipients of every alert and of the fleet uptime report (comma-separated; none by default)',
  },
  WANWATCH_GRAFANA_URL: {
    schema: url(['http:', 'https:']),
    usedBy: ['serve', 'up', 'dashboards'],
    doc: 'Grafana, for links in emails and the dashboard sync',
  },
  WANWATCH_PUBLIC_URL: {
    schema: url(['http:', 'https:']),
    usedBy: ['serve', 'up', 'uptime'],
    doc: 'public base URL of the API, for share and acknowledgement links in emails (none without it)',
  },
  WANWATCH_GRAFANA_TOKEN: {
    schema: z.string().min(1),
    usedBy: ['serve', 'up', 'dashboards'],
    doc: 'Grafana service-account token (role Editor) for the dashboard sync',
  },
  WANWATCH_GRAFANA_VERSION: {
    schema: z.string().regex(/^(11|12|13)(\.\d+)*$/, 'must be 11, 12 or 13 (a major, or a full version like 12.4.1)'),
    default: '12',
    usedBy: ['serve', 'up', 'dashboards'],
    doc: 'the Grafana major the dashboards are generated for (11, 12 or 13)',
  },
  WANWATCH_DASHBOARDS_PER_DEVICE: {
    schema: z.enum(['auto', 'always', 'never'], { message: 'must be auto, always or never' }),
    default: 'auto',
    usedBy: ['serve', 'up', 'dashboards'],
    doc: 'per-device dashboards besides the templated one: auto (up to 50 devices), always or never',
  },
  WANWATCH_RAW_RETENTION: {
    schema: z.string().regex(/^(\d+[wdhms])+$|^INF$/, 'must be an InfluxQL duration like 30d, 720h or INF'),
    default: DEFAULT_RAW_RETENTION,
    usedBy: BACKEND,
    doc: 'how long raw samples are kept (retention policy `raw`)',
  },
  WANWATCH_LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
    usedBy: BACKEND,
    doc: 'fatal, error, warn, info, debug, trace or silent',
  },
  WANWATCH_HTTP_HEADERS_TIMEOUT_MS: {
    schema: int(1_000, 600_000),
    default: '10000',
    usedBy: BACKEND,
    doc: 'the request line and headers must arrive within this time (408)',
  },
  WANWATCH_HTTP_REQUEST_TIMEOUT_MS: {
    schema: int(1_000, 3_600_000),
    default: '60000',
    usedBy: BACKEND,
    doc: 'the whole request must arrive within this time (408)',
  },
  WANWATCH_HTTP_KEEPALIVE_TIMEOUT_MS: {
    // Longer than the usual load balancer idle timeout (60 s), so the balancer closes first.
    schema: int(1_000, 600_000),
    default: '65000',
    usedBy: BACKEND,
    doc: 'an idle keep-alive connection is closed after this time',
  },
  WANWATCH_MAX_BODY_BYTES_IN_FLIGHT: {
    schema: int(1024 * 1024, 16 * 1024 ** 3),
    default: String(64 * 1024 * 1024),
    usedBy: BACKEND,
    doc: 'bytes of request bodies in memory at once; beyond it 503 server_busy',
  },
  WANWATCH_GROUP_WAIT_MS: {
    schema: int(0, 600_000),
    default: '10000',
    usedBy: BACKEND,
    doc: 'alerting: how long a device’s changes are gathered into one email',
  },
  WANWATCH_WATCHDOG_MIN_MS: {
    schema: int(100, Number.MAX_SAFE_INTEGER),
    default: '15000',
    usedBy: BACKEND,
    doc: 'alerting: shortest silence before a device counts as unreachable',
  },
  WANWATCH_FLAP_MAX_CHANGES: {
    schema: int(2, Number.MAX_SAFE_INTEGER),
    default: '5',
    usedBy: BACKEND,
    doc: 'alerting: link changes within the flap window that make a link flapping',
  },
  WANWATCH_FLAP_WINDOW_MS: {
    schema: int(1000, Number.MAX_SAFE_INTEGER),
    default: '600000',
    usedBy: BACKEND,
    doc: 'alerting: the flap window',
  },
  WANWATCH_REMINDER_INTERVAL_MS: {
    schema: int(0, Number.MAX_SAFE_INTEGER),
    default: '14400000',
    usedBy: BACKEND,
    doc: 'alerting: reminder of a matter still open (0 = off)',
  },
  WANWATCH_REPORT_MIN_COVERAGE_PCT: {
    schema: int(0, 100),
    default: '90',
    usedBy: ['serve', 'up', 'uptime'],
    doc: 'uptime reports: coverage (measured ÷ period, in %) below which availability is shown as not meaningful',
  },
  WANWATCH_ROUTES_FILE: { schema: z.string().min(1), usedBy: BACKEND, doc: 'receivers and routes (docs/alerts.md)' },
  WANWATCH_VIEWER_TOKENS: { schema: viewerTokens, default: '', usedBy: BACKEND, doc: 'read-only tokens, GET only' },
  ...QUALITY_SETTINGS,
  WANWATCH_REPORT_SCHEDULE: {
    schema: z.string().transform((v, ctx) => {
      try {
        return parseReportScheduleSetting(v);
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          message: `must be ${REPORT_SCHEDULE_FORMS} (${(err as Error).message.split('\n')[0]})`,
        });
        return z.NEVER;
      }
    }),
    default: 'off',
    usedBy: BACKEND,
    doc: 'scheduled uptime emails: `off`, `weekly`, `monthly`, `weekly,monthly` or a JSON schedule',
  },
} satisfies Record<`WANWATCH_${string}`, Setting>;

export type SettingKey = keyof typeof SETTINGS;
type Out<K extends SettingKey> = z.output<(typeof SETTINGS)[K]['schema']>;
/** Validated values; a setting without default is undefined when unset. */
export type Settings = {
  [K in SettingKey]: (typeof SETTINGS)[K] extends { default: string } ? Out<K> : Out<K> | undefined;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads the settings `command` uses from `env` (`overrides` win: command-line flags), validated
 * once; throws ConfigError listing every bad or missing variable by name. Variables the command
 * does not use are neither read nor checked.
 */
export function readSettings(
  command: Command,
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Record<SettingKey, string>> = {},
  opts: { require?: SettingKey[] } = {},
): Settings {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, s] of Object.entries(SETTINGS) as Array<[SettingKey, Setting]>) {
    if (!s.usedBy.includes(command)) continue;
    const given = overrides[key] ?? env[key];
    const raw = given === undefined || given === '' ? s.default : given;
    if (raw === undefined) {
      const required = opts.require ? opts.require.includes(key) : s.required !== undefined;
      if (required) problems.push(`${key} ${s.required ?? 'is required'}`);
      continue;
    }
    const r = s.schema.safeParse(raw);
    if (r.success) out[key] = r.data;
    else for (const i of r.error.issues) problems.push(i.message.startsWith(key) ? i.message : `${key} ${i.message}`);
  }
  if (problems.length > 0) throw new ConfigError([...new Set(problems)].join('\n'));
  return out as Settings;
}

/** The settings `command` reads, one per line with its default, for the command's --help. */
export function settingsHelp(command: Command): string {
  return (Object.entries(SETTINGS) as Array<[SettingKey, Setting]>)
    .filter(([, s]) => s.usedBy.includes(command))
    .map(([key, s]) => {
      const def = s.required ? 'required' : s.default ? `default ${s.default}` : 'optional';
      return `  ${key} (${def}): ${s.doc.replace(/`/g, '')}`;
    })
    .join('\n');
}
