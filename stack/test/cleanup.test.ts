import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack } from '../stack.ts';
import { isAlive } from '../processes.ts';
import { redisCommand } from '../redis.ts';

const repo = join(import.meta.dirname, '..', '..');
const fixtures = join(import.meta.dirname, 'runner-fixtures');

async function allGone(pids: number[], timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (pids.every((p) => !isAlive(p))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Collects a child's output and resolves when `pattern` appears in it. */
function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in output: ${buf}`)), timeoutMs);
    const onData = (d: Buffer) => {
      buf += d.toString();
      const m = buf.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

const exitOf = (child: ChildProcess) => new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

describe('stack: isolation and cleanup', () => {
  it('two stacks at once use different ports and data dirs and do not see each other', async () => {
    const [a, b] = await Promise.all([startStack({ log: () => {} }), startStack({ log: () => {} })]);
    try {
      assert.notEqual(a.influxBaseUrl, b.influxBaseUrl);
      assert.notEqual(a.redisUrl, b.redisUrl);
      assert.notEqual(a.dataDir, b.dataDir);
      const portA = Number(new URL(a.redisUrl).port);
      const portB = Number(new URL(b.redisUrl).port);
      assert.equal(await redisCommand(portA, 'SET only-in-a 1'), '+OK');
      assert.equal(await redisCommand(portB, 'EXISTS only-in-a'), ':0');
      for (const s of [a, b]) assert.equal((await fetch(`${s.influxBaseUrl}/ping`)).status, 204);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    assert.ok(await allGone([...a.services, ...b.services].map((s) => s.pid)));
    // Their temporary folders (each tens of MB of InfluxDB files) went with them.
    for (const s of [a, b]) assert.equal(existsSync(s.dataDir), false, `${s.dataDir} removed`);
  });

  for (const how of ['normal exit', 'SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
    it(`leaves no influxd or redis-server behind after ${how} of its owner`, async () => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(fixtures, 'hold-stack.ts'), how === 'normal exit' ? 'exit' : 'wait'],
        {
          cwd: repo,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const exited = exitOf(child);
      const m = await waitForOutput(child, /\{"pids":\[(\d+),(\d+)\]\}/);
      const pids = [Number(m[1]), Number(m[2])];
      assert.ok(pids.every(isAlive), 'services run while their owner runs');
      if (how !== 'normal exit') child.kill(how);
      await exited;
      assert.ok(await allGone(pids), `still running: ${pids.filter(isAlive).join(',')}`);
    });
  }

  // NODE_TEST_CONTEXT would make the nested `node --test` report to us instead of exiting with its own code.
  const { NODE_TEST_CONTEXT: _ctx, ...cleanEnv } = process.env;
  const runner = (file: string) =>
    spawn(process.execPath, ['--import', 'tsx', join(repo, 'scripts', 'run-tests.ts'), file], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...cleanEnv, WANWATCH_TEST_ROOT: fixtures },
    });

  for (const [file, expectOk] of [
    ['pass', true],
    ['fail', false],
  ] as const) {
    it(`the test command stops its services after a ${expectOk ? 'passing' : 'failing'} run`, async () => {
      const child = runner(file);
      const exited = exitOf(child);
      const m = await waitForOutput(child, /pids (\d+),(\d+)/);
      const code = await exited;
      assert.equal(code === 0, expectOk, `runner exit code ${code}`);
      assert.ok(await allGone([Number(m[1]), Number(m[2])]));
    });
  }

  it('runs files marked `// run-tests: alone` after the others, on their own; a failure in either batch fails the run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ww-order-'));
    try {
      for (const failing of ['', 'alone', 'a']) {
        const log = join(dir, `log-${failing || 'none'}`);
        writeFileSync(log, '');
        const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'scripts', 'run-tests.ts'), 'order-'], {
          cwd: repo,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...cleanEnv, WANWATCH_TEST_ROOT: fixtures, WANWATCH_FIXTURE_LOG: log, WANWATCH_FIXTURE_FAIL: failing },
        });
        const code = await exitOf(child);
        assert.equal(code === 0, failing === '', `exit code ${code} with ${failing || 'nothing'} failing`);
        const at = new Map(
          readFileSync(log, 'utf8')
            .trim()
            .split('\n')
            .map((l) => l.split(' '))
            .map(([what, name, ms]) => [`${what} ${name}`, Number(ms)]),
        );
        assert.equal(at.size, 6, `each file ran once: ${[...at.keys()].join(', ')}`);
        const othersEnd = Math.max(at.get('end a')!, at.get('end b')!);
        assert.ok(at.get('start alone')! >= othersEnd, 'the marked file starts after the others ended');
        assert.ok(
          at.get('start b')! < at.get('end a')! && at.get('start a')! < at.get('end b')!,
          'the others ran side by side',
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the test command stops its services when interrupted with Ctrl-C', async () => {
    const child = runner('hang');
    const exited = exitOf(child);
    const m = await waitForOutput(child, /pids (\d+),(\d+)/);
    await new Promise((r) => setTimeout(r, 1_000));
    child.kill('SIGINT');
    const code = await exited;
    assert.notEqual(code, 0);
    assert.ok(await allGone([Number(m[1]), Number(m[2])]));
  });
});
