import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { isAlive } from '../../stack/processes.ts';

/**
 * `wanwatch up --demo-devices 3` as a newcomer runs it, on a short schedule: the promised emails,
 * dashboards and uptime report appear, Ctrl-C stops everything it started, and a second start
 * keeps the data.
 */
const repo = join(import.meta.dirname, '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'wanwatch-up-'));
const children: ChildProcess[] = [];

function startUp(extraArgs: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const { NODE_TEST_CONTEXT: _c, ...env } = process.env;
  const child = spawn(
    process.execPath,
    [join(repo, 'bin', 'wanwatch.js'), 'up', '--data-dir', dataDir, '--port', '0', ...extraArgs],
    {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...env, WANWATCH_GROUP_WAIT_MS: '2000', WANWATCH_WATCHDOG_MIN_MS: '6000', WANWATCH_LOG_LEVEL: 'error' },
    },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  children.push(child);
  return { child, output: () => out, exited };
}

async function until<T>(what: string, fn: () => T | undefined | null | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const stackPids = () => {
  try {
    return (JSON.parse(readFileSync(join(dataDir, 'stack', 'stack.json'), 'utf8')) as { pids: number[] }).pids;
  } catch {
    return [];
  }
};

describe('wanwatch up (smoke, short schedule)', () => {
  after(async () => {
    // On failure the `up` process may still run: stop it the way a user would, then make sure.
    for (const c of children) if (c.exitCode === null) c.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 3_000));
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows status, emails, dashboards and an uptime report; Ctrl-C stops everything; a restart keeps the data', async () => {
    const t0 = Date.now();
    // A local webhook receiver (`--webhook`): it must get the alerts too, signed with the secret.
    const hooks: Array<{ subject: string; signed: boolean }> = [];
    const secret = 'up-smoke-webhook-secret';
    const hookServer = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const ts = String(req.headers['x-wanwatch-timestamp']);
        const want = `sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`;
        hooks.push({
          subject: (JSON.parse(body) as { subject: string }).subject,
          signed: req.headers['x-wanwatch-signature'] === want,
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
    after(() => hookServer.close());
    const hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook`;
    const first = startUp([
      ...['--demo-devices', '3', '--demo-cycle', '60', '--demo-interval', '1'],
      ...['--webhook', hookUrl, '--webhook-secret', secret],
    ]);
    const pids = await until('the stack', () => (stackPids().length === 2 ? stackPids() : undefined), 60_000);
    await until('the admin token', () => /admin token: (\S+)\)/.exec(first.output()), 60_000);
    // The console's one-time sign-in link signs a browser in, once.
    const link = await until(
      'the console link',
      () => /console +(http:\S+\/login\/once\/\S+)/.exec(first.output()),
      10_000,
    );
    const signIn = await fetch(link[1]!, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    assert.equal(signIn.status, 303);
    assert.match(signIn.headers.get('set-cookie') ?? '', /HttpOnly; SameSite=Strict/);
    const again = await fetch(link[1]!, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    assert.equal(again.status, 401, 'the link works once');
    await until(
      'dashboards',
      () => existsSync(join(dataDir, 'dashboards', 'provisioning', 'datasources', 'wanwatch.yaml')),
      30_000,
    );
    await until('a status block', () => first.output().includes('Interface status:'), 40_000);
    const outbox = join(dataDir, 'outbox');
    const subjects = async () => {
      if (!existsSync(outbox)) return [];
      const files = readdirSync(outbox).filter((f) => f.endsWith('.eml'));
      return Promise.all(files.map(async (f) => (await simpleParser(readFileSync(join(outbox, f)))).subject ?? ''));
    };
    let seen: string[] = [];
    await until(
      'down, unreachable and back-online emails',
      () => {
        void subjects().then((s) => (seen = s));
        return (
          seen.some((s) => /eth1 DOWN/.test(s)) &&
          seen.some((s) => /UNREACHABLE/.test(s)) &&
          seen.some((s) => /BACK ONLINE/.test(s))
        );
      },
      75_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; subjects so far:\n  ${seen.join('\n  ')}`);
    });
    const emailsAfterS = (Date.now() - t0) / 1000;
    assert.match(first.output(), /webhook +http:\S+ gets every alert/);
    await until('a DOWN at the webhook', () => hooks.some((h) => /DOWN/.test(h.subject)), 30_000);
    assert.ok(
      hooks.every((h) => h.signed),
      'every webhook request is signed with the secret',
    );
    await until('the uptime report', () => first.output().includes('Uptime report: demo-ce-01'), 40_000);
    const dashboardFiles = readdirSync(join(dataDir, 'dashboards', 'dashboards'), { recursive: true }).map(String);
    assert.ok(
      dashboardFiles.filter((f) => f.endsWith('.json')).length >= 4,
      `fleet + 3 device dashboards: ${dashboardFiles.join(', ')}`,
    );
    console.log(
      `up smoke: emails after ${emailsAfterS.toFixed(1)} s, report after ${((Date.now() - t0) / 1000).toFixed(1)} s; subjects:\n  ${seen.join('\n  ')}`,
    );

    first.child.kill('SIGINT');
    assert.equal(await first.exited, 0);
    await until('services stopped', () => pids.every((p) => !isAlive(p)), 15_000);

    // Second start: the previous run's transitions are still there (InfluxDB data dir kept).
    const second = startUp([]);
    const m = await until(
      'the second start',
      () => /API {10}(http:\S+) {3}\(admin token: (\S+)\)/.exec(second.output()),
      60_000,
    );
    // Without --webhook, the lines that add one are printed (the README shows them).
    await until(
      'the webhook lines',
      () => /webhook +add one[^\n]*\n +curl -X PUT .*\/api\/v1\/receivers/.exec(second.output()),
      10_000,
    );
    const res = await fetch(`${m[1]}/api/v1/devices/demo-ce-01/events?from=${t0 - 1000}`, {
      headers: { authorization: `Bearer ${m[2]}` },
    });
    const body = (await res.json()) as { events?: unknown[] } | unknown[];
    const events = Array.isArray(body) ? body : (body.events ?? []);
    assert.equal(res.status, 200);
    assert.ok(events.length > 0, 'events of the first run survive a restart');
    second.child.kill('SIGINT');
    assert.equal(await second.exited, 0);
  });
});
