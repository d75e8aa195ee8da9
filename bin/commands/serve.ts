import { parseArgs } from 'node:util';
import { ConfigError, loadBackendConfig } from '../backend-config.ts';
import { startBackend, createLogger, type BackendRole, type PluginFactory } from '../../ingest/backend.ts';

export const HELP = `Usage: wanwatch serve [--role all|api|worker] [--port N]

Runs the backend against the services named by the environment:
  WANWATCH_INFLUX_URL   (required) http://[user:pass@]host:8086/database
  WANWATCH_REDIS_URL    (required) redis://host:6379
  WANWATCH_ADMIN_TOKEN  (required) secret for the admin API
  WANWATCH_PORT (8080), WANWATCH_SMTP_URL, WANWATCH_MAIL_FROM, WANWATCH_ALERT_EMAILS,
  WANWATCH_GRAFANA_URL, WANWATCH_GRAFANA_TOKEN, WANWATCH_RAW_RETENTION (30d), WANWATCH_LOG_LEVEL (info)

Roles: api = HTTP API only; worker = background workers only; all = both (default).
On SIGTERM/SIGINT it stops accepting requests, finishes those in flight and their writes, then exits.
`;

/** Parts plugged in by the composition root (the lead adds alerting, reports, dashboards here). */
export const PLUGINS: PluginFactory[] = [];

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
  const logger = createLogger(config.logLevel);
  const backend = await startBackend(config, { role, plugins: PLUGINS, logger });
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
