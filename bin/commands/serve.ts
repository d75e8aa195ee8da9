import { parseArgs } from 'node:util';
import { ConfigError, checkAlertingSettings, loadBackendConfig } from '../backend-config.ts';
import { startBackend, createLogger, type BackendRole } from '../../ingest/backend.ts';
import { backendPlugins, loadExtraSettings } from '../backend-plugins.ts';

export const HELP = `Usage: wanwatch serve [--role all|api|worker] [--port N]

Runs the backend against the services named by the environment:
  WANWATCH_INFLUX_URL   (required) http://[user:pass@]host:8086/database
  WANWATCH_REDIS_URL    (required) redis://host:6379
  WANWATCH_ADMIN_TOKEN  (required) secret for the admin API (16+ characters, no spaces)
  WANWATCH_PORT (8080), WANWATCH_SMTP_URL, WANWATCH_MAIL_FROM, WANWATCH_ALERT_EMAILS,
  WANWATCH_GRAFANA_URL, WANWATCH_GRAFANA_TOKEN, WANWATCH_RAW_RETENTION (30d), WANWATCH_LOG_LEVEL (info)
  Alerting: WANWATCH_GROUP_WAIT_MS (10000), WANWATCH_WATCHDOG_MIN_MS (15000), WANWATCH_FLAP_MAX_CHANGES (5),
  WANWATCH_FLAP_WINDOW_MS (600000), WANWATCH_REMINDER_INTERVAL_MS (14400000, 0 = off)
  HTTP limits: WANWATCH_HTTP_HEADERS_TIMEOUT_MS (10000), WANWATCH_HTTP_REQUEST_TIMEOUT_MS (60000),
  WANWATCH_HTTP_KEEPALIVE_TIMEOUT_MS (65000), WANWATCH_MAX_BODY_BYTES_IN_FLIGHT (67108864)
  Scheduled uptime emails: WANWATCH_REPORT_SCHEDULE = off (default) | weekly | monthly | weekly,monthly
  Without WANWATCH_SMTP_URL, emails are written to WANWATCH_DATA_DIR/outbox/*.eml.

Roles: api = HTTP API only; worker = background workers only; all = both (default).
On SIGTERM/SIGINT it stops accepting requests, finishes those in flight and their writes, then exits.
`;

/**
 * A failed start must end the process even if a client it made still holds the event loop (the
 * backend closes its own, a plugin may not): exit once the code is set, unless it ends sooner.
 */
function exitSoon(): void {
  setTimeout(() => process.exit(), 2_000).unref();
}

export async function run(argv: string[]): Promise<number> {
  let values: { role?: string; port?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { role: { type: 'string' }, port: { type: 'string' } },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`wanwatch serve: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const role = (values.role ?? 'all') as BackendRole;
  if (!['all', 'api', 'worker'].includes(role)) {
    process.stderr.write(`wanwatch serve: --role must be all, api or worker (got "${values.role}")\n`);
    return 2;
  }
  let config;
  try {
    config = loadBackendConfig(process.env, values.port !== undefined ? { WANWATCH_PORT: values.port } : {});
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`wanwatch serve: configuration error:\n${err.message}\n`);
      return 2;
    }
    throw err;
  }
  let extra;
  try {
    extra = loadExtraSettings(process.env);
    checkAlertingSettings(extra.alerting);
  } catch (err) {
    process.stderr.write(`wanwatch serve: configuration error:\n${(err as Error).message}\n`);
    return 2;
  }
  const logger = createLogger(config.logLevel);
  // Alerting, reports and dashboards plug into ingest's backend; without WANWATCH_SMTP_URL mail goes to DATA_DIR/outbox.
  let backend;
  try {
    backend = await startBackend(config, { role, plugins: backendPlugins({ extra }), logger });
  } catch (err) {
    process.stderr.write(`wanwatch serve: could not start: ${(err as Error).message}\n`);
    exitSoon();
    return 1;
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      backend.close().then(resolve, (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
