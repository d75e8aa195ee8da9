/**
 * The console plugin in the real host (port 0, role api): its pages are mounted at `/`, and its
 * writes reach the other parts through the process's own API on the port the server got.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBackend, createLogger, type RunningBackend } from '../host.ts';
import { backendPlugins } from '../plugins/index.ts';
import { testServices } from '../../stack/testing.ts';

const ADMIN_TOKEN = 'console-plugin-admin-token-0123456789';

describe('console plugin in the backend host', () => {
  let backend: RunningBackend;
  let base: string;
  before(async () => {
    const svc = await testServices();
    backend = await startBackend(
      {
        influxUrl: svc.influxDb('console_plugin').url,
        redisUrl: svc.redisUrl,
        redisPrefix: svc.redisPrefix('console_plugin'),
        mailFrom: 'wanwatch <w@example.test>',
        alertEmails: [],
        adminToken: ADMIN_TOKEN,
        port: 0,
        dataDir: '/tmp/ww-console-plugin',
        rawRetention: '30d',
        logLevel: 'error',
      },
      { role: 'api', host: '127.0.0.1', logger: createLogger('error'), plugins: backendPlugins() },
    );
    base = `http://127.0.0.1:${backend.port}`;
  });
  after(async () => {
    await backend?.close();
  });

  it('signs in, and starts a maintenance window through the silences API on the real port', async () => {
    const opts = { redirect: 'manual' as const, signal: AbortSignal.timeout(10_000) };
    assert.equal((await fetch(`${base}/`, opts)).status, 303);
    const login = await fetch(`${base}/login`, {
      ...opts,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: ADMIN_TOKEN }),
    });
    assert.equal(login.status, 303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const page = await (await fetch(`${base}/maintenance`, { ...opts, headers: { cookie } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const made = await fetch(`${base}/maintenance`, {
      ...opts,
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, deviceId: '', hours: '2', comment: 'fleet upgrade' }),
    });
    assert.equal(made.status, 303, await made.text());
    const api = await fetch(`${base}/api/v1/silences`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      signal: AbortSignal.timeout(10_000),
    });
    const { silences } = (await api.json()) as { silences: Array<{ comment: string; createdBy: string }> };
    assert.deepEqual(
      silences.map((s) => [s.comment, s.createdBy]),
      [['fleet upgrade', 'console']],
    );
  });
});
