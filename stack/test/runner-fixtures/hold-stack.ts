// Child process for the cleanup tests: starts a stack the way `up` and the test runner do, prints
// its pids, then exits at once ("exit") or waits for a signal ("wait").
import { startStack, stopOnExit } from '../../stack.ts';

const stack = await startStack({ log: () => {} });
stopOnExit(stack);
process.stdout.write(JSON.stringify({ pids: stack.services.map((s) => s.pid) }) + '\n');
// "exit": a normal exit a moment later, after the test has seen the services run.
if (process.argv[2] === 'exit') setTimeout(() => process.exit(0), 1_500);
else setInterval(() => {}, 1_000);
