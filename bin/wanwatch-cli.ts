/**
 * `wanwatch` — the backend CLI. Each subcommand lives in its own module (loaded on demand, so
 * `wanwatch device add` does not load express or BullMQ it does not need).
 */
import { commandLines, dispatch, type CliEntry } from './cli-command.ts';

const COMMANDS: Record<string, CliEntry> = {
  up: {
    summary: 'run everything locally: private InfluxDB + Redis, backend, outbox, demo devices',
    load: () => import('./commands/up.ts'),
  },
  serve: {
    summary: 'run the backend against WANWATCH_* services (--role all|api|worker)',
    load: () => import('./commands/serve.ts'),
  },
  device: { summary: 'register and list devices (device add ID ...)', load: () => import('./commands/device.ts') },
  token: {
    summary: 'API tokens with roles: create --role R --name N | list | revoke ID',
    load: () => import('./commands/token.ts'),
  },
  audit: {
    summary: 'the audit log of API writes (--from --to --limit --json)',
    load: () => import('./commands/audit.ts'),
  },
  uptime: {
    summary: 'uptime report of a device (--device ID --from --to --format)',
    load: () => import('./commands/uptime.ts'),
  },
  dashboards: {
    summary: 'Grafana dashboards: export --out DIR | sync',
    load: () => import('./commands/dashboards.ts'),
  },
  stack: {
    summary: 'start|stop|status of the private influxd and redis-server',
    load: () => import('./commands/stack.ts'),
  },
};

export const HELP = `wanwatch — monitoring and alerting for multi-WAN (mwan3) routers

Usage: wanwatch <command> [options]   (wanwatch <command> --help for details)

Commands:
${commandLines(COMMANDS, 11)}

Environment: WANWATCH_INFLUX_URL, WANWATCH_REDIS_URL, WANWATCH_SMTP_URL, WANWATCH_MAIL_FROM,
WANWATCH_ALERT_EMAILS, WANWATCH_ADMIN_TOKEN, WANWATCH_GRAFANA_URL, WANWATCH_GRAFANA_TOKEN,
WANWATCH_PORT, WANWATCH_DATA_DIR (see README.md and docs/deploy.md).
`;

dispatch('wanwatch', HELP, COMMANDS, process.argv.slice(2)).then(
  (code) => {
    // Long-running commands (up, serve) resolve only when they are done; exit with their code.
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`wanwatch: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
