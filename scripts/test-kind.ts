import { dirname, join, normalize } from 'node:path';

/**
 * Which test files are unit tests: those that need no service, no network namespace, no browser
 * and no child process, so `npm run test:unit` can run them in seconds without a stack.
 *
 * A file is an integration test when it, or any local module it imports (transitively), is one of
 * the service entry points below, or when its own text starts processes or a browser. Classifying
 * by imports keeps new test files right without a marker to remember.
 */
export const SERVICE_MODULES = [
  'stack/testing.ts',
  'stack/stack.ts',
  'test-support/ingest.ts',
  'alerting/test/harness.ts',
  'device-reporter/test/netns.ts',
] as const;

const LOCAL_IMPORT = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+\.ts)['"]/g;
const STARTS_SOMETHING = /\bspawn\(|\bexecFile\(|\bfork\(|chromium|\/\/ run-tests: alone/;

/**
 * True when `file` (a path relative to the repository root) is a unit test. `read` returns a
 * file's text, or undefined when it does not exist.
 *
 * | the file or a module it imports…            | kind        |
 * |---------------------------------------------|-------------|
 * | is one of SERVICE_MODULES                   | integration |
 * | the test file itself spawns / forks / execs | integration |
 * | the test file itself drives chromium        | integration |
 * | the test file runs alone (latency budget)   | integration |
 * | none of the above                           | unit        |
 */
export function isUnitTest(file: string, read: (path: string) => string | undefined): boolean {
  const own = read(file);
  if (own === undefined || STARTS_SOMETHING.test(own)) return false;
  const seen = new Set<string>();
  const queue = [file];
  while (queue.length > 0) {
    const current = queue.pop() as string;
    if (seen.has(current)) continue;
    seen.add(current);
    if ((SERVICE_MODULES as readonly string[]).includes(current)) return false;
    const text = current === file ? own : read(current);
    if (text === undefined) continue;
    for (const m of text.matchAll(LOCAL_IMPORT)) {
      queue.push(normalize(join(dirname(current), m[1] as string)));
    }
  }
  return true;
}
