/**
 * Test helpers for the lean (Lua) build: build it once per test file, run `lua5.1` on a bundle
 * with arguments and stdin, and compare results across builds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { buildLua } from '../build-lua.ts';

export const root = join(import.meta.dirname, '..', '..');
export const LEAN_REPORTER = join(root, 'dist', 'wanwatch-reporter.lua');
export const LEAN_HARNESS = join(root, 'dist', 'lean-harness.lua');
export const NODE_CLI = join(root, 'bin', 'wanwatch-reporter-cli.ts');

export function buildLean(): void {
  buildLua('reporter');
  buildLua('harness');
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (bounded by `timeoutMs`), feeding `input` on stdin. */
export function runProcess(
  cmd: string,
  args: readonly string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')}: no exit within ${opts.timeoutMs ?? 30_000} ms`));
    }, opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A command that reads no input may exit before its stdin is written: that is no error.
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(opts.input ?? '');
  });
}

export const runLean = (args: readonly string[], opts?: Parameters<typeof runProcess>[2]): Promise<RunResult> =>
  runProcess('lua5.1', [LEAN_REPORTER, ...args], opts);
export const runHarness = (args: readonly string[], opts?: Parameters<typeof runProcess>[2]): Promise<RunResult> =>
  runProcess('lua5.1', [LEAN_HARNESS, ...args], opts);
export const runNodeCli = (args: readonly string[], opts?: Parameters<typeof runProcess>[2]): Promise<RunResult> =>
  runProcess(process.execPath, ['--import', 'tsx', NODE_CLI, ...args], opts);

/**
 * JSON as both builds can express it: a Lua table cannot hold `null` nor tell `{}` from `[]`,
 * so nulls are dropped and empty objects read as empty lists before comparing.
 */
export function normalizeJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalizeJson);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== null && v !== undefined);
    if (entries.length === 0) return [];
    return Object.fromEntries(entries.map(([k, v]) => [k, normalizeJson(v)]).sort(([a], [b]) => (a! < b! ? -1 : 1)));
  }
  return value;
}
