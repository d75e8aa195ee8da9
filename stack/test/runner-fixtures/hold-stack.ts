// Child process for the cleanup tests: starts a stack the way `up` and the test runner do, prints
// its pids, then exits at once ("exit") or waits for a signal ("wait").
import { startStack, stopOnExit } from '../../stack.ts';

const stack = await startStack({ log: () => {} });
stopOnExit(stack);
process.stdout.write(JSON.stringify({ pids: stack.services.map((s) => s.pid) }) + '\n');
if (process.argv[2] === 'exit') process.exit(0);
else setInterval(() => {}, 1_000);
