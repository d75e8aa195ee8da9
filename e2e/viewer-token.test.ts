/** A viewer token reads but never changes: walked over every route the backend serves. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Express } from 'express';
import { startTestBackend, type TestBackend } from '../test-support/test-backend.ts';
import { listRoutes } from './routes.ts';

const ADMIN = 'admin-token-0123456789';
const VIEWER = 'viewer-token-0123456789';

describe('viewer tokens', () => {
  let t: TestBackend;
  before(async () => {
    t = await startTestBackend({ label: 'viewer', adminToken: ADMIN, role: 'api', config: { viewerTokens: [VIEWER] } });
  });
  after(async () => {
    await t?.close();
  });

  it('is refused (403) on every write route behind the admin token, and reads', async () => {
    const routes = listRoutes(t.backend.server!.listeners('request')[0] as unknown as Express);
    const call = (method: string, path: string, token: string) =>
      fetch(t.base + path.replace(/:\w+/g, 'x'), {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(method === 'GET' || method === 'HEAD' ? {} : { body: '{}' }),
      });
    let writes = 0;
    for (const r of routes) {
      if (r.method === 'GET' || r.method === 'HEAD' || !r.path.startsWith('/api/v1/')) continue;
      if (r.path === '/api/v1/reports') continue; // the report hot path knows only device (and admin) tokens
      const res = await call(r.method, r.path, VIEWER);
      assert.equal(res.status, 403, `${r.method} ${r.path}`);
      writes += 1;
    }
    assert.ok(writes >= 6, `walked ${writes} write routes`);
    for (const path of ['/api/v1/devices', '/api/v1/silences', '/api/v1/notifications', '/api/v1/receivers']) {
      const res = await call('GET', path, VIEWER);
      assert.equal(res.status, 200, path);
    }
    assert.equal((await call('GET', '/api/v1/devices', 'not-a-token-0123456789')).status, 401);
  });
});
