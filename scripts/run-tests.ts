/**
 * The test command: installs the Debian packages the suite needs, starts one private stack
 * (influxd + redis-server on free ports, in a temporary directory), runs every `*.test.ts` with
 * node's test runner, and stops the stack — on success, failure, Ctrl-C or SIGTERM. A SIGKILL of
 * this process is covered by the stack's reaper. Arguments filter test files by substring.
 *
 * A file that holds latency to a budget (the failover drill: email within detection + group wait +
 * 2 s) says so with a line `// run-tests: alone`; such files run after the others, one at a time,
 * so that another file's Chromium or esbuild start-up on the same cores does not eat the budget.
 *
 *   npm test                      all tests
 *   npm test -- contract stack    only files whose path contains "contract" or "stack"
 *   npm run test:unit             only unit tests (scripts/test-kind.ts), no stack: seconds, for the edit loop
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startStack, stopOnExit } from '../stack/stack.ts';
import { TEST_PACKAGES } from '../stack/debian-packages.ts';
import { isUnitTest } from './test-kind.ts';

const repo = join(import.meta.dirname, '..');
// WANWATCH_TEST_ROOT lets the runner's own tests point it at fixture test files.
const root = process.env.WANWATCH_TEST_ROOT ?? repo;
const SKIP = new Set(['node_modules', '.git', 'dist', '.wanwatch', 'test-output', 'runner-fixtures']);

function findTests(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unitOnly = process.argv.includes('--unit');
const readSource = (f: string): string | undefined => {
  try {
    return readFileSync(join(root, f), 'utf8');
  } catch {
    return undefined;
  }
};
const files = findTests(root)
  .filter((f) => filters.length === 0 || filters.some((flt) => f.includes(flt)))
  .filter((f) => !unitOnly || isUnitTest(f, readSource))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

if (unitOnly) {
  // Unit tests need no stack; they run side by side and the runner exits with their code.
  console.error(`unit tests only: ${files.length} files, no stack`);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', ...files.map((f) => join(root, f))],
    { cwd: repo, stdio: 'inherit' },
  );
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  await new Promise(() => undefined);
}

const started = Date.now();
const stack = await startStack({ packages: TEST_PACKAGES });
console.error(
  `test stack: influxd ${stack.influxBaseUrl}, redis ${stack.redisUrl}, pids ${stack.services.map((s) => s.pid).join(',')} (${Date.now() - started} ms)`,
);

const ALONE = /^\/\/ run-tests: alone$/m;
const alone = files.filter((f) => ALONE.test(readFileSync(join(root, f), 'utf8')));
const together = files.filter((f) => !alone.includes(f));
let current: ChildProcess | undefined;

/** One `node --test` run over `batch`; resolves with its exit code. */
function nodeTest(batch: string[], concurrency: string): Promise<number> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      `--test-concurrency=${concurrency}`,
      '--test-timeout=300000',
      '--test-reporter=spec',
      ...batch.map((f) => join(root, f)),
    ],
    {
      cwd: repo,
      stdio: 'inherit',
      env: {
        ...process.env,
        WANWATCH_TEST_INFLUX_BASE: stack.influxBaseUrl,
        WANWATCH_TEST_REDIS_URL: stack.redisUrl,
        WANWATCH_TEST_STACK_PIDS: stack.services.map((s) => s.pid).join(','),
      },
    },
  );
  current = child;
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

stopOnExit(stack, (signal) => {
  current?.kill(signal);
  process.exit(signal === 'SIGINT' ? 130 : 143);
});

let code = together.length > 0 ? await nodeTest(together, process.env.WANWATCH_TEST_CONCURRENCY ?? '2') : 0;
if (alone.length > 0) {
  console.error(`running alone (they hold latency to a budget): ${alone.join(', ')}`);
  code = (await nodeTest(alone, '1')) || code;
}
await stack.stop();
process.exit(code);
