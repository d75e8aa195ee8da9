/**
 * Share links of uptime reports, end to end on the real backend (InfluxDB, Redis): a signed link
 * opens one device's or the fleet's HTML and CSV report without a token, and nothing else.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadLinkKey, signLink, sharedUptimePath } from '../store/index.ts';
import { startTestBackend, type TestBackend } from '../test-support/test-backend.ts';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ADMIN = 'share-admin-token-0123456789';
const VIEWER = 'share-viewer-token-0123456789';
const PUBLIC = 'https://noc.example.test';

describe('share links of uptime reports', () => {
  let t: TestBackend;
  let cliEnv: Record<string, string>;
  const api = (method: string, path: string, body?: unknown, token = ADMIN) =>
    fetch(t.base + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const share = async (body: unknown) => {
    const res = await api('POST', '/api/v1/share-links', body);
    assert.equal(res.status, 201, await res.clone().text());
    return (await res.json()) as { path: string; url: string; expiresAt: string };
  };
  /** Opens a link with no Authorization header. */
  const open = (path: string) => fetch(t.base + path);
  const refused = async (path: string, code: string) => {
    const res = await open(path);
    assert.equal(res.status, 403, path);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(((await res.json()) as { code: string }).code, code, path);
  };

  before(async () => {
    t = await startTestBackend({
      label: 'share',
      adminToken: ADMIN,
      role: 'api',
      config: { viewerTokens: [VIEWER], publicUrl: PUBLIC },
    });
    const { influxUrl, redisUrl, redisPrefix } = t.config;
    cliEnv = { WANWATCH_INFLUX_URL: influxUrl, WANWATCH_REDIS_URL: redisUrl, WANWATCH_REDIS_PREFIX: redisPrefix };
    for (const [id, name] of [
      ['shop-1', 'Shop <1>'],
      ['shop-2', 'Shop 2'],
    ])
      assert.equal((await api('POST', '/api/v1/devices', { id, name, site: 'Porto' })).status, 201);
  });
  after(async () => {
    await t?.close();
  });

  it('opens the device HTML and CSV and the fleet HTML without a token', async () => {
    const html = await share({ deviceId: 'shop-1' });
    assert.ok(html.url.startsWith(`${PUBLIC}/share/devices/shop-1/uptime?`), html.url);
    assert.equal(html.url, PUBLIC + html.path);
    assert.ok(Date.parse(html.expiresAt) > Date.now() + 6 * 86_400_000, 'default lifetime 7 days');
    let res = await open(html.path);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/html/);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.match(await res.text(), /Shop &lt;1&gt;/);

    const csv = await share({ deviceId: 'shop-1', format: 'csv', from: '2026-01-01', to: '2026-01-08', tz: 'UTC' });
    res = await open(csv.path);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/csv/);
    assert.match(res.headers.get('content-disposition')!, /uptime-shop-1-2026-01-01\.csv/);

    const fleet = await share({ expiresIn: '1h' });
    assert.ok(Date.parse(fleet.expiresAt) < Date.now() + 2 * 3_600_000);
    res = await open(fleet.path);
    assert.equal(res.status, 200);
    const page = await res.text();
    assert.match(page, /Shop 2/);
  });

  it('refuses tampered, other-path and expired links with stable codes', async () => {
    const { path } = await share({ deviceId: 'shop-1', format: 'csv' });
    const [p, q] = path.split('?') as [string, string];
    await refused(`${sharedUptimePath('shop-2')}?${q}`, 'link_invalid');
    await refused(`${sharedUptimePath(null)}?${q}`, 'link_invalid');
    await refused(`${p}?${q.replace('format=csv', 'format=html')}`, 'link_invalid');
    await refused(`${p}?${q.replace(/exp=(\d+)/, (_m, e: string) => `exp=${Number(e) + 86_400}`)}`, 'link_invalid');
    await refused(`${p}?${q}&token=${ADMIN}`, 'link_invalid');
    await refused(`${p}?${q.replace(/&sig=.*/, '')}`, 'link_invalid');
    await refused(`${p}?${q.replace(/sig=(.)/, (_m, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`)}`, 'link_invalid');
    await refused(p, 'link_invalid');
    // Signed with the server's own key, but already past its expiry.
    const key = await loadLinkKey(t.backend.ctx.redis, t.backend.ctx.keys.linkKey);
    await refused(signLink(key, p, [['format', 'csv']], Date.now() - 1000), 'link_expired');
    // A link does not open the API, and the API takes no token in the query.
    const res = await open(`/api/v1/devices/shop-1/uptime?${q}&token=${ADMIN}`);
    assert.equal(res.status, 401);
    assert.equal((await fetch(`${t.base}/api/v1/devices/shop-1/uptime?format=html&token=${ADMIN}`)).status, 401);
  });

  it('is made by an operator or admin, not a viewer, for a registered device and valid times only', async () => {
    const bad = async (body: unknown, status: number, code: string, token = ADMIN) => {
      const res = await api('POST', '/api/v1/share-links', body, token);
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal(((await res.json()) as { code: string }).code, code);
    };
    await bad({ deviceId: 'shop-1' }, 403, 'forbidden', VIEWER);
    const made = await api('POST', '/api/v1/tokens', { name: 'night shift', role: 'operator' });
    assert.equal(made.status, 201);
    const operator = ((await made.json()) as { token: string }).token;
    assert.equal((await api('POST', '/api/v1/share-links', { deviceId: 'shop-1' }, operator)).status, 201);
    await bad({ deviceId: 'nope' }, 404, 'not_found');
    await bad({ deviceId: 'shop-1', expiresIn: '365d' }, 422, 'validation_failed');
    await bad({ deviceId: 'shop-1', format: 'json' }, 422, 'validation_failed');
    await bad({ deviceId: 'shop-1', from: 'yesterday' }, 400, 'invalid_query');
    await bad({ deviceId: 'shop-1', token: ADMIN }, 422, 'validation_failed');
    const res = await fetch(`${t.base}/api/v1/share-links`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 401);
  });

  it('`wanwatch uptime --share-link` prints a link the server opens (one key for CLI and API)', async () => {
    const { NODE_TEST_CONTEXT: _c, ...env } = process.env;
    const clean = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('WANWATCH_')));
    const run = (args: string[], extra: Record<string, string>) =>
      promisify(execFile)(
        process.execPath,
        [join(import.meta.dirname, '..', 'bin', 'wanwatch.js'), 'uptime', ...args],
        {
          env: { ...clean, ...cliEnv, ...extra },
          timeout: 60_000,
        },
      );
    const withUrl = await run(['--device', 'shop-2', '--format', 'csv', '--share-link', '--expires', '2h'], {
      WANWATCH_PUBLIC_URL: PUBLIC,
    });
    const url = withUrl.stdout.trim();
    assert.match(url, /^https:\/\/noc\.example\.test\/share\/devices\/shop-2\/uptime\?exp=\d+&format=csv&sig=/);
    const res = await open(url.slice(PUBLIC.length));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/csv/);
    const pathOnly = await run(['--fleet', '--share-link'], {});
    assert.match(pathOnly.stderr, /WANWATCH_PUBLIC_URL is not set/);
    assert.equal((await open(pathOnly.stdout.trim())).status, 200);
    await assert.rejects(
      run(['--fleet', '--share-link', '--expires', 'forever'], {}),
      (e: { code: number }) => e.code === 2,
    );
  });
});
