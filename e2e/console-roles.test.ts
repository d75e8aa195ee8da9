/**
 * Console sign-in with every kind of token, over HTTP with a cookie jar against the real backend
 * (role all: API, console pages and the audit worker; real Redis and InfluxDB). A viewer sees no
 * write control and a forged write is refused; an operator's maintenance window is audited under
 * the operator's own token id; a forged acting-for header from a non-admin caller changes nothing;
 * revoking a token ends its console session.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACTING_FOR_HEADER } from '../contract/index.ts';
import { startTestBackend, type TestBackend } from '../test-support/test-backend.ts';
import { tokenClient } from '../test-support/token-client.ts';

const ADMIN = 'admin-token-console-roles-0123456789';
const VIEWER_ENV = 'viewer-token-console-roles-0123456789';

interface Answer {
  status: number;
  text: string;
  location: string | null;
  cookie: string | null;
  retryAfter: string | null;
}
type Row = { tokenId: string; tokenName: string; role: string; method: string; route: string; status: number };

describe('console sign-in with roles', () => {
  let t: TestBackend;
  const { call: api, newToken } = tokenClient(() => t.base, ADMIN);
  const page = async (method: 'GET' | 'POST', path: string, cookie?: string, form?: Record<string, string>) => {
    const res = await fetch(t.base + path, {
      method,
      redirect: 'manual',
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form) } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    return {
      status: res.status,
      text: await res.text(),
      location: res.headers.get('location'),
      cookie: res.headers.get('set-cookie')?.split(';')[0] ?? null,
      retryAfter: res.headers.get('retry-after'),
    } satisfies Answer;
  };
  const signIn = async (token: string) => {
    const res = await page('POST', '/login', undefined, { token });
    assert.equal(res.status, 303, res.text);
    return res.cookie!;
  };
  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
  const silences = async () =>
    ((await api('GET', '/api/v1/silences', ADMIN)).body.silences as Array<{ id: string; comment: string }>) ?? [];
  /** The audit rows for a route, waited for (the audit worker writes them to InfluxDB behind the write). */
  const auditRows = async (match: (r: Row) => boolean): Promise<Row[]> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const r = await api('GET', '/api/v1/audit?limit=1000', ADMIN);
      const rows = (r.body.entries as Row[]).filter(match);
      if (rows.length > 0 || Date.now() > deadline) return rows;
      await new Promise((res) => setTimeout(res, 200));
    }
  };

  before(async () => {
    t = await startTestBackend({ label: 'console_roles', adminToken: ADMIN, config: { viewerTokens: [VIEWER_ENV] } });
  });
  after(async () => {
    await t?.close();
  });

  it('answers GET /whoami with the role, token id and name of any token, and refuses devices', async () => {
    const op = await newToken('operator', 'noc shift');
    assert.deepEqual((await api('GET', '/api/v1/whoami', op.token)).body, {
      role: 'operator',
      tokenId: op.id,
      name: 'noc shift',
    });
    assert.deepEqual((await api('GET', '/api/v1/whoami', VIEWER_ENV)).body, {
      role: 'viewer',
      tokenId: 'env-viewer',
      name: 'WANWATCH_VIEWER_TOKENS',
    });
    const device = await api('POST', '/api/v1/devices', ADMIN, { id: 'cr-1' });
    assert.equal(device.status, 201);
    assert.equal((await api('GET', '/api/v1/whoami', device.body.token as string)).status, 403);
    assert.equal((await page('POST', '/login', undefined, { token: device.body.token as string })).status, 401);
    assert.equal((await page('POST', '/login', undefined, { token: 'wwt_0123456789ab_nope' })).status, 401);
  });

  it('signs a viewer in without write controls, and refuses a forged write', async () => {
    for (const token of [(await newToken('viewer', 'wall screen')).token, VIEWER_ENV]) {
      const cookie = await signIn(token);
      const maint = await page('GET', '/maintenance', cookie);
      assert.equal(maint.status, 200);
      assert.doesNotMatch(maint.text, /action="\/maintenance"/, 'no maintenance form for a viewer');
      const admin = (await page('GET', '/admin', cookie)).text;
      assert.doesNotMatch(admin, /action="\/admin\/(devices|receivers|tokens)"/, 'no admin forms for a viewer');
      assert.match(maint.text, /\(viewer\)/, 'the page names who is signed in');
      const forged = await page('POST', '/maintenance', cookie, { _csrf: csrfOf(maint.text), hours: '1' });
      assert.equal(forged.status, 403, forged.text);
      assert.match(forged.text, /Not allowed/);
      const forgedAdd = await page('POST', '/admin/devices', cookie, { _csrf: csrfOf(maint.text), id: 'cr-v' });
      assert.equal(forgedAdd.status, 403);
    }
    assert.deepEqual(await silences(), [], 'nothing was created');
  });

  it("lets an operator start maintenance, audited under the operator's token id, but not add devices", async () => {
    const op = await newToken('operator', 'night operator');
    const cookie = await signIn(op.token);
    const maint = await page('GET', '/maintenance', cookie);
    assert.match(maint.text, /action="\/maintenance"/);
    const admin = (await page('GET', '/admin', cookie)).text;
    assert.match(admin, /action="\/admin\/receivers"/, 'an operator edits receivers');
    assert.doesNotMatch(admin, /action="\/admin\/(devices|tokens)"/, 'but not devices nor tokens');
    const forgedToken = await page('POST', '/admin/tokens', cookie, { _csrf: csrfOf(admin), name: 'x', role: 'admin' });
    assert.equal(forgedToken.status, 403, 'an operator cannot make tokens from the console');
    const made = await page('POST', '/maintenance', cookie, {
      _csrf: csrfOf(maint.text),
      deviceId: '',
      hours: '1',
      comment: 'by the operator',
    });
    assert.equal(made.status, 303, made.text);
    assert.deepEqual(
      (await silences()).map((s) => s.comment),
      ['by the operator'],
    );
    assert.equal((await page('POST', '/admin/devices', cookie, { _csrf: csrfOf(maint.text), id: 'cr-o' })).status, 403);
    const rows = await auditRows((r) => r.route === '/api/v1/silences' && r.method === 'POST');
    assert.deepEqual(
      rows.map((r) => [r.tokenId, r.tokenName, r.role, r.status]),
      [[op.id, 'night operator', 'operator', 201]],
      'the audit row names the operator, not the env admin token',
    );
  });

  it('ignores an acting-for header from anyone but the env admin token', async () => {
    const admin = await newToken('admin', 'automation');
    const viewer = await newToken('viewer', 'forger');
    const asAdmin = { [ACTING_FOR_HEADER]: admin.id };
    const refused = await api('POST', '/api/v1/silences', viewer.token, { endMs: Date.now() + 60_000 }, asAdmin);
    assert.equal(refused.status, 403, 'a viewer naming an admin stays a viewer');
    const op = await newToken('operator', 'forging operator');
    const made = await api('POST', '/api/v1/silences', op.token, { endMs: Date.now() + 60_000 }, asAdmin);
    assert.equal(made.status, 201);
    const rows = await auditRows((r) => r.tokenId === op.id || r.tokenId === admin.id);
    assert.deepEqual(
      rows.map((r) => [r.tokenId, r.route]),
      [[op.id, '/api/v1/silences']],
    );
    const whoami = await api('GET', '/api/v1/whoami', op.token, undefined, asAdmin);
    assert.equal(whoami.body.tokenId, op.id);
  });

  it("ends a revoked token's console session at its next request", async () => {
    const op = await newToken('operator', 'leaving soon');
    const cookie = await signIn(op.token);
    assert.equal((await page('GET', '/', cookie)).status, 200);
    assert.equal((await api('DELETE', `/api/v1/tokens/${op.id}`, ADMIN)).status, 204);
    const after = await page('GET', '/', cookie);
    assert.equal(after.status, 303);
    assert.equal(after.location, '/login');
    const write = await page('POST', '/maintenance', cookie, { _csrf: 'x', hours: '1' });
    assert.equal(write.status, 401);
  });

  it('counts wrong sign-ins against the failure limits and passes the 429 on', async () => {
    let last: Answer | undefined;
    for (let i = 0; i < 40 && last?.status !== 429; i++)
      last = await page('POST', '/login', undefined, { token: 'wrong' });
    assert.equal(last?.status, 429, last?.text);
    assert.match(last!.text, /Too many failed sign-ins/);
    assert.ok(Number(last!.retryAfter) > 0, 'Retry-After passed on');
    await signIn(ADMIN);
  });
});
