/** `wanwatch token` and `wanwatch audit` against a running backend: the token it prints works with its role, the list shows no secret, revoke is immediate, both are audited. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestBackend, type TestBackend } from '../test-support/test-backend.ts';

const ADMIN = 'admin-token-access-cli-0123456789';
const repo = join(import.meta.dirname, '..');

describe('wanwatch token (CLI)', () => {
  let t: TestBackend;
  let env: Record<string, string>;
  const cli = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => {
    const { NODE_TEST_CONTEXT: _c, ...base } = process.env;
    const clean = Object.fromEntries(Object.entries(base).filter(([k]) => !k.startsWith('WANWATCH_')));
    const child = spawn(process.execPath, [join(repo, 'bin', 'wanwatch.js'), ...args], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...clean, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    return new Promise((resolve) =>
      child.once('exit', (code) => {
        clearTimeout(kill);
        resolve({ code, stdout, stderr });
      }),
    );
  };
  const api = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${t.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  };

  before(async () => {
    t = await startTestBackend({ label: 'access-cli', adminToken: ADMIN });
    const { influxUrl, redisUrl, redisPrefix } = t.config;
    env = { WANWATCH_REDIS_URL: redisUrl, WANWATCH_REDIS_PREFIX: redisPrefix, WANWATCH_INFLUX_URL: influxUrl };
  });
  after(async () => {
    await t?.close();
  });

  it('creates, lists and revokes; the token works with its role until revoked', async () => {
    const made = await cli(['token', 'create', '--role', 'operator', '--name', 'night shift\u001b[31m', '--json']);
    assert.equal(made.code, 0, made.stderr);
    const created = JSON.parse(made.stdout) as { id: string; token: string; role: string };
    assert.equal(created.role, 'operator');
    const silence = await api('POST', '/api/v1/silences', created.token, {
      endMs: Date.now() + 60_000,
      comment: 'cli',
    });
    assert.equal(silence.status, 201, JSON.stringify(silence.body));
    assert.equal((await api('POST', '/api/v1/devices', created.token, { id: 'cli-1' })).status, 403);

    const listed = await cli(['token', 'list']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(listed.stdout.includes(created.id) && listed.stdout.includes('operator'));
    assert.ok(!listed.stdout.includes(created.token), 'the list never shows the token');
    assert.ok(!listed.stdout.includes('\u001b'), 'names are made safe for the terminal');

    assert.equal((await cli(['token', 'revoke', created.id])).code, 0);
    assert.equal((await api('GET', '/api/v1/silences', created.token)).status, 401);
    assert.equal((await cli(['token', 'revoke', created.id])).code, 1);

    let rows: Array<{ tokenId: string; method: string; target: string }> = [];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && rows.length < 3) {
      const r = await api('GET', '/api/v1/audit', ADMIN);
      rows = (r.body.entries as typeof rows).filter((e) => e.tokenId === 'cli');
      if (rows.length < 3) await new Promise((res) => setTimeout(res, 200));
    }
    assert.deepEqual(rows.map((r) => `${r.method} ${r.target}`).sort(), [
      `DELETE ${created.id}`,
      `DELETE ${created.id}`,
      `POST ${created.id}`,
    ]);
    const audit = await cli(['audit', '--json', '--limit', '50']);
    assert.equal(audit.code, 0, audit.stderr);
    const fromCli = (JSON.parse(audit.stdout) as Array<{ tokenId: string; route: string }>).filter(
      (r) => r.tokenId === 'cli',
    );
    assert.deepEqual(fromCli.map((r) => r.route).sort(), [
      '/api/v1/tokens',
      '/api/v1/tokens/:id',
      '/api/v1/tokens/:id',
    ]);
  });
});
