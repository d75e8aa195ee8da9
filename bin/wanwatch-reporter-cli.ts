/**
 * `wanwatch-reporter` — the device CLI. Static imports only: device-reporter/build.ts bundles this
 * file with esbuild into one file for the router.
 */
import { commandLines, dispatch, type CliEntry } from './cli-command.ts';
import * as renderMwan3 from '../device-reporter/cli/render-mwan3.ts';
import * as status from '../device-reporter/cli/status.ts';
import * as runCmd from '../device-reporter/cli/run.ts';

const COMMANDS: Record<string, CliEntry> = {
  run: { summary: 'track every WAN, spool and upload to the wanwatch backend', load: () => runCmd },
  'render-mwan3': { summary: 'print the /etc/config/mwan3 that multiWanV2 settings produce', load: () => renderMwan3 },
  status: {
    summary: 'is the reporter running, its record counters, live state as `mwan3 status`',
    load: () => status,
  },
};

export const HELP = `wanwatch-reporter — the wanwatch agent for mwan3 routers

Usage: wanwatch-reporter <command> [options]   (wanwatch-reporter <command> --help for details)

Commands:
${commandLines(COMMANDS, 13)}
`;

dispatch('wanwatch-reporter', HELP, COMMANDS, process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`wanwatch-reporter: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
