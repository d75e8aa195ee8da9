/**
 * `lua5.1 wanwatch-reporter.lua <command> …` — the lean reporter build (docs/lean-reporter.md):
 * the same commands, flags, help and output as the Node build, for routers without Node.js.
 */
import { REPORTER_HELP } from '../../cli/help-texts.ts';
import { writeErr, writeOut } from './platform/system.ts';
import { runRenderMwan3 } from './cli/render-mwan3.ts';
import { runStatus } from './cli/status.ts';
import { runRun } from './run/run-command.ts';

const COMMANDS = new Map<string, (argv: string[]) => number>([
  ['run', runRun],
  ['render-mwan3', runRenderMwan3],
  ['status', runStatus],
]);

function main(argv: string[]): number {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeOut(REPORTER_HELP);
    return name !== undefined ? 0 : 2;
  }
  const cmd = COMMANDS.get(name);
  if (cmd === undefined) {
    writeErr(`wanwatch-reporter: unknown command "${name}"\n\n${REPORTER_HELP}`);
    return 2;
  }
  return cmd(rest);
}

const args: string[] = [...$vararg];
const [ok, result] = xpcall(
  () => main(args),
  (err: unknown) =>
    debug.traceback(typeof err === 'object' && err !== null ? String((err as Error).message) : String(err)),
);
if (!ok) writeErr(`wanwatch-reporter: ${String(result)}\n`);
os.exit(ok ? (result as number) : 1);
