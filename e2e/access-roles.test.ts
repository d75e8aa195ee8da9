/**
 * Token roles, walked over every route the backend serves: each route is in the access table,
 * and viewer, operator, admin and device tokens get exactly what the table gives them. Every
 * admin write leaves one audit row; a revoked token is refused at once.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Express } from 'express';
import { ROUTE_ROLES, type Role } from '../ingest/access-policy.ts';
import { startTestBackend, type TestBackend } from '../test-support/test-backend.ts';
import { tokenClient } from '../test-support/token-client.ts';
import { listRoutes } from './routes.ts';

const ADMIN = 'admin-token-access-0123456789';
const VIEWER_ENV = 'viewer-token-access-0123456789';

/** What the brief grants, written out here independently of the access table it checks. */
const OPERATOR_WRITES = [
  'POST /api/v1/silences',
  'DELETE /api/v1/silences/:id',
  'POST /api/v1/incidents/:incidentId/ack',
  'PUT /api/v1/receivers',
  'POST /api/v1/receivers',
  'DELETE /api/v1/receivers/:name',
  'PUT /api/v1/routes',
  'DELETE /api/v1/routes/:name',
  // Decided with share links (docs/api.md, "Tokens and roles"): not a viewer, who may not hand reports on.
  'POST /api/v1/share-links',
];
const ADMIN_READS = ['GET /api/v1/tokens', 'GET /api/v1/audit'];
const DEVICE_ROUTES = ['POST /api/v1/reports', 'PUT /api/v1/devices/:id/multiwan'];
function granted(who: 'viewer' | 'operator' | 'admin' | 'device', route: string): boolean {
  if (who === 'admin') return true;
  if (who === 'device') return DEVICE_ROUTES.includes(route);
  if (route.startsWith('GET ')) return !ADMIN_READS.includes(route);
  return who === 'operator' && OPERATOR_WRITES.includes(route);
}

describe('token roles and the audit log', () => {
  let t: TestBackend;
  const { call, newToken } = tokenClient(() => t.base, ADMIN);

  before(async () => {
    t = await startTestBackend({ label: 'access', adminToken: ADMIN, config: { viewerTokens: [VIEWER_ENV] } });
  });
  after(async () => {
    await t?.close();
  });

  it('every route is in the access table and each role gets exactly what the table gives', async () => {
    const routes = listRoutes(t.backend.server!.listeners('request')[0] as unknown as Express).filter(
      (r) => r.path.startsWith('/api/v1/') && r.method !== 'HEAD',
    );
    assert.deepEqual(
      routes.filter((r) => !ROUTE_ROLES.has(`${r.method} ${r.path}`)).map((r) => `${r.method} ${r.path}`),
      [],
      'routes without a declared role in ingest/access-policy.ts',
    );
    const device = await call('POST', '/api/v1/devices', ADMIN, { id: 'acc-1', name: 'Access 1' });
    assert.equal(device.status, 201);
    const tokens = {
      viewer: (await newToken('viewer', 'wall screen')).token,
      operator: (await newToken('operator', 'noc shift')).token,
      admin: (await newToken('admin', 'automation')).token,
      'viewer (env)': VIEWER_ENV,
      'admin (env)': ADMIN,
      device: device.body.token as string,
    };
    let checked = 0;
    for (const r of routes) {
      const need = ROUTE_ROLES.get(`${r.method} ${r.path}`)!;
      // Devices' own routes are called with another device's id: a device token is then refused by the handler.
      const path = r.path.replace(/:\w+/g, 'x');
      for (const who of Object.keys(tokens) as Array<keyof typeof tokens>) {
        if (r.path === '/api/v1/reports' && who !== 'device') continue; // the report hot path: devices only
        const res = await call(r.method, path, tokens[who]);
        const label = `${who} ${r.method} ${r.path} (needs ${need}): ${res.status} ${JSON.stringify(res.body)}`;
        if (granted(who.split(' ')[0] as Role | 'device', `${r.method} ${r.path}`)) {
          assert.ok(res.status !== 401 && !(res.status === 403 && res.body.code === 'forbidden'), label);
        } else {
          assert.equal(res.status, 403, label);
          assert.match(res.type, /^application\/problem\+json/, label);
          assert.equal(res.body.code, 'forbidden', label);
        }
        checked += 1;
      }
    }
    assert.ok(checked >= 6 * 30, `checked ${checked} calls`);
    assert.deepEqual(
      [...ROUTE_ROLES].filter(([, need]) => need === 'operator').map(([k]) => k),
      OPERATOR_WRITES,
    );
  });

  it('docs/openapi.json gives each operation the role the table gives it (x-role)', () => {
    const spec = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'docs', 'openapi.json'), 'utf8')) as {
      paths: Record<string, Record<string, { 'x-role'?: string }>>;
    };
    const wrong = Object.entries(spec.paths)
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, ops]) =>
        Object.entries(ops).map(([m, op]) => {
          const key = `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`;
          return { key, documented: op['x-role'], table: ROUTE_ROLES.get(key) };
        }),
      )
      .filter((o) => o.documented !== o.table);
    assert.deepEqual(wrong, []);
  });

  it('leaves one audit row per admin write, with who and the outcome, never the secret', async () => {
    const admin = await newToken('admin', 'audit walker');
    const writes = listRoutes(t.backend.server!.listeners('request')[0] as unknown as Express).filter(
      (r) => r.path.startsWith('/api/v1/') && !['GET', 'HEAD'].includes(r.method) && r.path !== '/api/v1/reports',
    );
    const sent = new Map<string, number>();
    for (const r of writes) {
      const res = await call(r.method, r.path.replace(/:\w+/g, 'x'), admin.token);
      sent.set(`${r.method} ${r.path}`, res.status);
    }
    assert.ok(sent.size >= 15, `walked ${sent.size} write routes`);
    type Row = { tokenId: string; tokenName: string; role: string; method: string; route: string; status: number };
    let mine: Row[] = [];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const r = await call('GET', '/api/v1/audit?limit=10000', ADMIN);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      mine = (r.body.entries as Row[]).filter((e) => e.tokenId === admin.id);
      if (mine.length >= sent.size) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    const seen = new Map(mine.map((e) => [`${e.method} ${e.route}`, e.status]));
    assert.deepEqual([...seen.keys()].sort(), [...sent.keys()].sort(), 'one audit row per admin write route');
    assert.equal(mine.length, sent.size, 'exactly one row per write');
    for (const [k, status] of sent) assert.equal(seen.get(k), status, `${k}: the outcome`);
    assert.ok(mine.every((e) => e.tokenName === 'audit walker' && e.role === 'admin'));
    const operator = await newToken('operator', 'on call');
    const silence = await call('POST', '/api/v1/silences', operator.token, { endMs: Date.now() + 60_000 });
    assert.equal(silence.status, 201);
    let created: Row & { target?: string } = {} as never;
    while (Date.now() < deadline + 10_000 && !created.tokenId) {
      const r = await call('GET', '/api/v1/audit', ADMIN);
      created = (r.body.entries as Array<Row & { target: string }>).find((e) => e.tokenId === operator.id) ?? created;
      if (!created.tokenId) await new Promise((res) => setTimeout(res, 200));
    }
    assert.deepEqual(
      { ...created, atMs: undefined },
      {
        atMs: undefined,
        tokenId: operator.id,
        tokenName: 'on call',
        role: 'operator',
        method: 'POST',
        route: '/api/v1/silences',
        target: silence.body.id,
        status: 201,
      },
      'the row names what was created',
    );
    const all = await call('GET', '/api/v1/audit', ADMIN);
    assert.ok(!JSON.stringify(all.body).includes(admin.token), 'the audit log never holds a secret');
  });

  it('lists without secrets, keeps names as data, and a revoked token is refused at once', async () => {
    const odd = await newToken('viewer', '__proto__');
    const listed = await call('GET', '/api/v1/tokens', ADMIN);
    assert.equal(listed.status, 200);
    const text = JSON.stringify(listed.body);
    assert.ok(!text.includes(odd.token) && !text.includes('hmac-sha256'), 'no secret nor hash in the list');
    const row = (listed.body.tokens as Array<Record<string, unknown>>).find((t) => t.id === odd.id);
    assert.deepEqual(Object.keys(row ?? {}).sort(), ['createdAtMs', 'id', 'lastUsedMs', 'name', 'role']);
    assert.equal(row?.name, '__proto__');
    assert.equal((await call('GET', '/api/v1/devices', odd.token)).status, 200);
    let used: unknown = null;
    for (const until = Date.now() + 10_000; used === null && Date.now() < until; ) {
      const again = await call('GET', '/api/v1/tokens', ADMIN);
      used = (again.body.tokens as Array<Record<string, unknown>>).find((t) => t.id === odd.id)?.lastUsedMs ?? null;
      if (used === null) await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(typeof used, 'number', 'the list shows when the token was last used');
    assert.equal((await call('DELETE', `/api/v1/tokens/${odd.id}`, ADMIN)).status, 204);
    const after = await call('GET', '/api/v1/devices', odd.token);
    assert.equal(after.status, 401);
    assert.equal(after.body.code, 'invalid_token');
    assert.equal((await call('DELETE', `/api/v1/tokens/${odd.id}`, ADMIN)).status, 404);
    const bad = await call('POST', '/api/v1/tokens', ADMIN, { role: 'root', name: 'x' });
    assert.equal(bad.status, 422);
  });

  it('an operator deletes receivers and routes; a receiver still routed to is kept; secrets never shown', async () => {
    const op = (await newToken('operator', 'routing')).token;
    const secret = 'hmac-secret-0123456789';
    const put = await call('PUT', '/api/v1/receivers', op, {
      receivers: [{ type: 'webhook', name: 'itsm', url: 'http://127.0.0.1:9/hook-secret-path', secret }],
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(
      (await call('PUT', '/api/v1/routes', op, { routes: [{ name: 'all', receivers: ['itsm'] }] })).status,
      200,
    );
    const shown = JSON.stringify((await call('GET', '/api/v1/receivers', VIEWER_ENV)).body);
    assert.ok(!shown.includes(secret) && !shown.includes('hook-secret-path'), shown);
    const kept = await call('DELETE', '/api/v1/receivers/itsm', op);
    assert.equal(kept.status, 422);
    assert.equal((kept.body.errors as Array<{ path: string }>)[0]?.path, 'routes[0].receivers[0]');
    assert.equal((await call('DELETE', '/api/v1/routes/all', op)).status, 204);
    assert.equal((await call('DELETE', '/api/v1/routes/all', op)).status, 404);
    assert.equal((await call('DELETE', '/api/v1/receivers/itsm', op)).status, 204);
    assert.deepEqual((await call('GET', '/api/v1/receivers', op)).body.receivers, []);
    assert.equal((await call('DELETE', '/api/v1/receivers/itsm', op)).status, 404);
  });
});
