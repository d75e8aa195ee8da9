/**
 * `wanwatch` — the backend CLI. Each subcommand lives in its own module (loaded on demand, so
 * `wanwatch device add` does not load express or BullMQ it does not need).
 */
import type { CliCommand } from './cli-command.ts';

const COMMANDS: Record<string, { summary: string; load: () => Promise<CliCommand> }> = {
  up: {
    summary: 'run everything locally: private InfluxDB + Redis, backend, outbox, demo devices',
    load: () => import('./commands/up.ts'),
  },
  serve: {
    summary: 'run the backend against WANWATCH_* services (--role all|api|worker)',
    load: () => import('./commands/serve.ts'),
  },
  device: { summary: 'register and list devices (device add ID ...)', load: () => import('./commands/device.ts') },
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
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(11)} ${c.summary}`)
  .join('\n')}

Environment: WANWATCH_INFLUX_URL, WANWATCH_REDIS_URL, WANWATCH_SMTP_URL, WANWATCH_MAIL_FROM,
WANWATCH_ALERT_EMAILS, WANWATCH_ADMIN_TOKEN, WANWATCH_GRAFANA_URL, WANWATCH_GRAFANA_TOKEN,
WANWATCH_PORT, WANWATCH_DATA_DIR (see README.md and docs/deploy.md).
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    return name ? 0 : 2;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`wanwatch: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  const cmd = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(cmd.HELP);
    return 0;
  }
  return cmd.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    // Long-running commands (up, serve) resolve only when they are done; exit with their code.
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`wanwatch: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
