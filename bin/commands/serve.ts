import { parseArgs } from 'node:util';
import { ConfigError, loadBackendConfig, settingsHelp } from '../../backend/config.ts';
import { startBackend, createLogger, type BackendRole } from '../../backend/host.ts';
import { backendPlugins } from '../../backend/plugins/index.ts';
import { BACKEND_NODE_FLAGS, missingNodeFlags } from '../../backend/node-flags.ts';

export const HELP = `Usage: wanwatch serve [--role all|api|worker] [--port N]

Runs the backend against the services named by the environment:
${settingsHelp('serve')}
Without WANWATCH_SMTP_URL, emails are written to WANWATCH_DATA_DIR/outbox/*.eml.

Roles: api = HTTP API only; worker = background workers only; all = both (default).
On SIGTERM/SIGINT it stops accepting requests, finishes those in flight and their writes, then exits.
Node flags: ${BACKEND_NODE_FLAGS.join(' ')} (run as \`wanwatch\` or by the systemd units in docs/systemd/
it has them; \`node bin/wanwatch.js serve\` needs them on its command line, else it warns).
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
  const logger = createLogger(config.logLevel);
  const missing = missingNodeFlags();
  if (missing.length > 0)
    logger.warn({ missing }, 'started without the backend Node flags: ingest needs more CPU (docs/performance.md)');
  let backend;
  try {
    backend = await startBackend(config, { role, plugins: backendPlugins(), logger });
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
