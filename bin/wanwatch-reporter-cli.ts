/**
 * `wanwatch-reporter` — the device CLI. Static imports only: device-reporter/build.ts bundles this
 * file with esbuild into one file for the router.
 */
import type { CliCommand } from './cli-command.ts';
import * as renderMwan3 from '../device-reporter/cli/render-mwan3.ts';
import * as status from '../device-reporter/cli/status.ts';
import * as runCmd from '../device-reporter/cli/run.ts';

const COMMANDS: Record<string, { summary: string; cmd: CliCommand }> = {
  run: { summary: 'track every WAN, spool and upload to the wanwatch backend', cmd: runCmd },
  'render-mwan3': { summary: 'print the /etc/config/mwan3 that multiWanV2 settings produce', cmd: renderMwan3 },
  status: { summary: 'live state in the layout of `mwan3 status`; --assume-online what-if', cmd: status },
};

export const HELP = `wanwatch-reporter — the wanwatch agent for mwan3 routers

Usage: wanwatch-reporter <command> [options]   (wanwatch-reporter <command> --help for details)

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(13)} ${c.summary}`)
  .join('\n')}
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    return name ? 0 : 2;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`wanwatch-reporter: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${entry.cmd.HELP}\n`);
    return 0;
  }
  return entry.cmd.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`wanwatch-reporter: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
