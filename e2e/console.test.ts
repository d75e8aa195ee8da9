/**
 * The web console end to end: the real ingest app serving the console's pages, the alerting and
 * reports routers behind it, real Redis (sessions, pub/sub) and InfluxDB, and the Debian Chromium
 * driven headless by playwright-core. Screenshots go to test-output/.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Router } from 'express';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { encodeTagValue, type ReportRecord } from '../contract/index.ts';
import { SESSION_COOKIE, type WebConsole } from '../console/index.ts';
import { createAlertingHttpApi } from '../alerting/router.ts';
import { createAlertStore } from '../alerting/adapters/store.ts';
import { emptyDeviceState } from '../alerting/core/state.ts';
import { createSetupStore } from '../alerting/receivers/index.ts';
import { createReportsHttpApi } from '../reports/index.ts';
import { M, RP, type DeviceRecord } from '../store/index.ts';
import { testServices } from '../stack/testing.ts';
import type { TestIngest } from '../test-support/ingest.ts';
import { policy, report, sample, transition } from '../test-support/records.ts';
import { launchChromium } from '../test-support/launch-chromium.ts';
import { startTestConsole, type TestConsole } from '../test-support/test-console.ts';

const OUT = join(import.meta.dirname, '..', 'test-output');
const HOSTILE_NAME = '<img src=x onerror="window.__xss=1">Shop';
const HOSTILE_SITE = '"><script>window.__xss=2</script>';
const HOSTILE_IFACE = '<svg onload=window.__xss=3>';

const AXE = readFileSync(join(import.meta.dirname, '..', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
/** axe-core's WCAG 2 A/AA rules in the page; its violations as `impact rule: target`. */
const AXE_RUN = `axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }).then((r) =>
  r.violations.map((v) => ({ impact: v.impact, id: v.id, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`;

/** Runs in the page (a string: the test's TypeScript has no DOM types). Lists what fails the basics. */
const A11Y_BASICS = `(() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push('no lang');
  if (!document.title) problems.push('no title');
  if (document.querySelectorAll('h1').length !== 1) problems.push('not one h1');
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    const id = el.getAttribute('id');
    if (!id || !document.querySelector('label[for="' + id + '"]')) problems.push('unlabelled ' + el.outerHTML);
  }
  for (const b of document.querySelectorAll('button, a'))
    if (!(b.textContent || '').trim()) problems.push('empty ' + b.outerHTML);
  for (const th of document.querySelectorAll('th')) if (!th.getAttribute('scope')) problems.push('th without scope');
  return problems;
})()`;

describe('web console (ingest app + console pages + Chromium)', () => {
  let c: TestConsole;
  let t: TestIngest;
  let web: WebConsole;
  let base: string;
  let browser: Browser;
  const tokens = new Map<string, string>();
  let seq = 100;

  const post = async (id: string, records: ReportRecord[]) => {
    const res = await request(t.app)
      .post('/api/v1/reports')
      .set('Authorization', `Bearer ${tokens.get(id)}`)
      .send(report(id, records, { bootId: `boot-${id}`.slice(0, 40) }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  const healthy = (id: string, ifaces: string[]) => {
    const now = Date.now();
    return [
      ...ifaces.map((iface) => sample({ seq: ++seq, timeMs: now, iface })),
      policy({
        seq: ++seq,
        timeMs: now,
        policies: [
          {
            policy: 'balanced',
            family: 'ipv4',
            members: ifaces.map((iface, i) => ({ iface, sharePct: i === 0 ? 60 : 40, metric: 1, weight: 1 })),
            lastResort: 'unreachable',
            lastResortActive: false,
          },
        ],
      }),
    ];
  };
  const setSite = async (id: string, site: string | null, name?: string) => {
    const rec = JSON.parse((await t.redis.get(t.keys.device(id)))!) as DeviceRecord;
    await t.redis.set(t.keys.device(id), JSON.stringify({ ...rec, site, name: name ?? rec.name }));
  };
  const signedInPage = async (width = 1280, height = 900): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width, height } });
    page.setDefaultTimeout(10_000);
    const path = await web.signInPath();
    await page.goto(`${base}${path}`);
    assert.equal(new URL(page.url()).pathname, '/');
    return page;
  };
  const rowOf = (page: Page, id: string) => page.locator(`tr[data-id="${id}"]`);

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    c = await startTestConsole({
      label: 'console_e2e',
      api: (ingest) => {
        const alerting = createAlertingHttpApi({
          store: createAlertStore(ingest.redis, ingest.prefix),
          influx: ingest.influx,
          nowMs: Date.now,
          quarantine: async () => [],
          receivers: createSetupStore(ingest.redis, ingest.prefix),
        });
        const reports = createReportsHttpApi({
          influx: ingest.influx,
          redis: ingest.redis,
          keys: ingest.keys,
          logger: pino({ level: 'silent' }),
        });
        return Router().use(alerting, reports);
      },
    });
    ({ t, web, base } = c);

    for (const [id, site] of [
      ['berlin-1', 'Berlin'],
      ['berlin-2', 'Berlin'],
      ['paris-1', 'Paris'],
      ['evil-1', HOSTILE_SITE],
    ] as const) {
      tokens.set(id, await t.addDevice(id));
      await setSite(id, site, id === 'evil-1' ? HOSTILE_NAME : undefined);
    }
    // Three hours of history (5-minute rounds) for the device page's sparklines.
    const history: ReportRecord[] = [];
    for (let k = 36; k > 0; k--)
      for (const [j, iface] of ['wan', 'wanb'].entries())
        history.push(
          sample({
            seq: ++seq,
            timeMs: Date.now() - k * 300_000,
            iface,
            rttAvgMs: 10 + ((k * 7) % 23) + j * 20,
            lossPct: k % 9 === 0 ? 5 : 0,
            jitterMs: 1 + (k % 4),
          }),
        );
    await post('berlin-1', history);
    await post('berlin-1', healthy('berlin-1', ['wan', 'wanb']));
    await post('berlin-2', healthy('berlin-2', ['wan', 'lte']));
    await post('paris-1', healthy('paris-1', ['wan']));
    await post('evil-1', healthy('evil-1', [HOSTILE_IFACE, 'wan']));

    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await c?.close();
  });

  it('sends a visitor without a session to sign in, with strict security headers', async () => {
    const res = await request(t.app).get('/').expect(303);
    assert.equal(res.headers.location, '/login');
    const login = await request(t.app).get('/login').expect(200);
    const csp = String(login.headers['content-security-policy']);
    assert.match(csp, /script-src 'self';/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(login.headers['x-content-type-options'], 'nosniff');
    assert.doesNotMatch(login.text, /<script>|<script [^>]*>[^<]/);
    await request(t.app).post('/login').type('form').send({ token: 'wrong' }).expect(401);
    await request(t.app).get('/live').expect(303);
  });

  it('signs in with the admin token into an HttpOnly, SameSite=Strict cookie whose hash alone is stored', async () => {
    const res = await request(t.app).post('/login').type('form').send({ token: t.adminToken }).expect(303);
    const cookie = String(res.headers['set-cookie']);
    assert.match(cookie, new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43};`));
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Strict/);
    assert.doesNotMatch(cookie, /Secure/, 'plain HTTP: no Secure flag, or the browser would drop it');
    const id = cookie.split(';')[0]!.split('=')[1]!;
    const hash = createHash('sha256').update(id).digest('hex');
    assert.ok(await t.redis.get(t.keys.consoleSession(hash)), 'session stored under the hash');
    const ttl = await t.redis.pttl(t.keys.consoleSession(hash));
    assert.ok(ttl > 0 && ttl <= 12 * 3600_000, `session expires (${ttl} ms)`);
    const keys = await t.redis.keys(`${t.prefix}:*`);
    assert.ok(!keys.some((k) => k.includes(id)), 'the raw session id is nowhere in Redis');
    const https = await request(t.app)
      .post('/login')
      .set('X-Forwarded-Proto', 'https')
      .type('form')
      .send({ token: t.adminToken });
    assert.match(String(https.headers['set-cookie']), /; Secure/);
    await request(t.app).get('/').set('Cookie', `${SESSION_COOKIE}=${id}`).expect(200);
  });

  it('refuses a write without the session CSRF token', async () => {
    const res = await request(t.app).post('/login').type('form').send({ token: t.adminToken });
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    const board = await request(t.app).get('/').set('Cookie', cookie).expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(board.text)![1]!;
    const form = { deviceId: 'paris-1', hours: '1', comment: 'csrf test' };
    await request(t.app).post('/maintenance').set('Cookie', cookie).type('form').send(form).expect(403);
    await request(t.app)
      .post('/maintenance')
      .set('Cookie', cookie)
      .type('form')
      .send({ ...form, _csrf: csrf.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) })
      .expect(403);
    await request(t.app)
      .post('/maintenance')
      .type('form')
      .send({ ...form, _csrf: csrf })
      .expect(401);
    assert.equal((await t.redis.hvals(t.keys.silences)).length, 0, 'nothing was written');
    await request(t.app)
      .post('/maintenance')
      .set('Cookie', cookie)
      .type('form')
      .send({ ...form, _csrf: csrf })
      .expect(303);
    const silences = (await t.redis.hvals(t.keys.silences)).map((s) => JSON.parse(s) as { id: string });
    assert.equal(silences.length, 1);
    await request(t.app)
      .post(`/maintenance/${silences[0]!.id}/end`)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf })
      .expect(303);
    assert.equal((await t.redis.hvals(t.keys.silences)).length, 0);
  });

  it('signs in from the form and shows the fleet, counts and filters (screenshot)', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    await page.goto(`${base}/`);
    assert.equal(new URL(page.url()).pathname, '/login');
    await page.getByLabel('Admin token').fill(t.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/`);
    for (const id of ['berlin-1', 'berlin-2', 'paris-1', 'evil-1']) assert.equal(await rowOf(page, id).count(), 1);
    assert.equal(await page.locator('[data-count="ok"]').textContent(), '4');
    await page.getByLabel('Search').fill('paris');
    assert.equal(await page.locator('tbody tr:visible').count(), 1);
    await page.getByLabel('Search').fill('');
    await page.getByLabel('Site').selectOption('Berlin');
    assert.equal(await page.locator('tbody tr:visible').count(), 2);
    await page.getByLabel('Site').selectOption('');
    await page.waitForSelector('body[data-live="on"]');
    await page.screenshot({ path: join(OUT, 'console-board.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    assert.ok(overflow <= 0, `no sideways scrolling on a phone (${overflow} px too wide)`);
    await page.screenshot({ path: join(OUT, 'console-board-phone.png'), fullPage: true });
    await page.close();
  });

  it('turns a row red within 2 s of a link cut reaching ingest, and green on recovery', async () => {
    const page = await signedInPage();
    await page.waitForSelector('body[data-live="on"]');
    const row = rowOf(page, 'berlin-2');
    assert.equal(await row.getAttribute('data-attention'), 'ok');
    const cutAt = Date.now();
    await post('berlin-2', [transition({ seq: ++seq, timeMs: Date.now(), iface: 'lte' })]);
    await page.waitForSelector('tr[data-id="berlin-2"][data-attention="link-down"].bad', { timeout: 5_000 });
    const redMs = Date.now() - cutAt;
    // The first row is now the cut device: what needs attention is on top.
    assert.equal(await page.locator('tbody tr').first().getAttribute('data-id'), 'berlin-2');
    const upAt = Date.now();
    await post('berlin-2', [
      transition({ seq: ++seq, timeMs: Date.now(), iface: 'lte', from: 'offline', to: 'online' }),
    ]);
    await page.waitForSelector('tr[data-id="berlin-2"][data-attention="ok"].good', { timeout: 5_000 });
    const greenMs = Date.now() - upAt;
    console.log(`console live update: red after ${redMs} ms, green after ${greenMs} ms`);
    assert.ok(redMs < 2_000, `red after ${redMs} ms`);
    assert.ok(greenMs < 2_000, `green after ${greenMs} ms`);
    await page.close();
  });

  it("turns a row unreachable, then flapping, live when alerting's state changes", async () => {
    const page = await signedInPage();
    await page.waitForSelector('body[data-live="on"]');
    assert.equal(await rowOf(page, 'paris-1').getAttribute('data-attention'), 'ok');
    // What the watchdog's sweep and the flap damping save (alerting's own store adapter).
    const alerts = createAlertStore(t.redis, t.prefix);
    const s = emptyDeviceState('paris-1');
    await alerts.saveState({ ...s, reach: 'unreachable', unreachableSinceMs: Date.now() });
    await page.waitForSelector('tr[data-id="paris-1"][data-attention="unreachable"].bad', { timeout: 5_000 });
    assert.equal(await page.locator('tbody tr').first().getAttribute('data-id'), 'paris-1');
    assert.equal(await page.locator('[data-count="unreachable"]').textContent(), '1');
    const state = emptyDeviceState('paris-1');
    state.ifaces.set('wan', {
      state: 'online',
      routed: true,
      downSinceMs: null,
      downIncidentId: null,
      lastReminderMs: null,
      remindersSent: 0,
      changesMs: [],
      flappingSinceMs: Date.now(),
      flapIncidentId: 'flap-1',
      degraded: false,
    });
    await alerts.saveState(state);
    await page.waitForSelector('tr[data-id="paris-1"][data-attention="flapping"].warn', { timeout: 5_000 });
    assert.match((await rowOf(page, 'paris-1').textContent())!, /wan: online, flapping/);
    await alerts.saveState(emptyDeviceState('paris-1'));
    await page.waitForSelector('tr[data-id="paris-1"][data-attention="ok"]', { timeout: 5_000 });
    await page.close();
  });

  it('shows hostile device names, sites and interface names as text and runs none of them', async () => {
    const page = await signedInPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const row = rowOf(page, 'evil-1');
    assert.ok((await row.textContent())!.includes(HOSTILE_NAME));
    assert.ok((await row.textContent())!.includes(HOSTILE_IFACE));
    assert.equal(await row.getAttribute('data-site'), HOSTILE_SITE);
    // A live update renders the row again: hostile names must survive that path too.
    await page.waitForSelector('body[data-live="on"]');
    await post('evil-1', [transition({ seq: ++seq, timeMs: Date.now(), iface: HOSTILE_IFACE })]);
    await page.waitForSelector('tr[data-id="evil-1"][data-attention="link-down"]', { timeout: 5_000 });
    await row.getByRole('link').click();
    await page.waitForURL(/\/device\/evil-1$/);
    assert.ok((await page.locator('h1').textContent())!.includes(HOSTILE_NAME));
    assert.ok((await page.locator('table.links').textContent())!.includes(HOSTILE_IFACE));
    // The sparklines and the mwan3 status text carry the hostile interface name too.
    assert.ok((await page.locator('pre.mwan3').textContent())!.includes(`interface ${HOSTILE_IFACE} is offline`));
    const label = await page
      .locator(`div.sparks[data-iface="${HOSTILE_IFACE}"] svg.spark-latency`)
      .getAttribute('aria-label');
    assert.ok(label!.startsWith(`${HOSTILE_IFACE} latency, last 6 h`), label!);
    assert.equal(await page.evaluate<unknown>('window.__xss'), undefined);
    // The only SVG in the page is the console's own sparklines; no image, no script.
    assert.equal(await page.locator('main img, main script, main svg:not([class^="spark-"])').count(), 0);
    assert.equal(await page.locator('main [onload], main [onerror]').count(), 0);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('opens a device page with links, policies, timeline and uptime (screenshot)', async () => {
    const page = await signedInPage();
    await rowOf(page, 'berlin-1').getByRole('link').click();
    await page.waitForURL(/\/device\/berlin-1$/);
    const links = await page.locator('table.links').textContent();
    assert.match(links!, /wanb/);
    assert.match((await page.locator('main').textContent()) ?? '', /balanced \(ipv4\): wan 60 %, wanb 40 %/);
    assert.match((await page.locator('dl.uptime').textContent())!, /24 h/);
    // Sparklines from InfluxDB: three labelled lines per link, drawn from the samples ingest wrote.
    assert.equal(await page.locator('div.sparks[data-iface="wanb"] svg[role="img"]').count(), 3);
    const latency = page.locator('div.sparks[data-iface="wan"] svg.spark-latency');
    assert.match((await latency.getAttribute('aria-label'))!, /^wan latency, last 6 h: min [\d.]+ ms, max [\d.]+ ms/);
    assert.equal(await latency.locator('path.spark-line').count(), 1);
    assert.equal(
      await page.locator('pre.mwan3').textContent(),
      [
        'Interface status:',
        ' interface wan is online and tracking is active',
        ' interface wanb is online and tracking is active',
        '',
        'Current ipv4 policies:',
        'balanced:',
        ' wan (60%)',
        ' wanb (40%)',
        '',
        'Current ipv6 policies:',
        '',
      ].join('\n'),
    );
    await page.screenshot({ path: join(OUT, 'console-device.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    assert.ok(overflow <= 0, `the device page fits a phone (${overflow} px too wide)`);
    await page.screenshot({ path: join(OUT, 'console-device-phone.png'), fullPage: true });
    await page.close();
  });

  it('creates and ends a maintenance window from the UI', async () => {
    const page = await signedInPage();
    await page.getByRole('link', { name: 'Maintenance' }).click();
    await page.getByLabel('Device').selectOption('paris-1');
    await page.getByLabel('Interface (empty: all)').fill('wan');
    await page.getByLabel('Comment').fill('ISP <works> tonight');
    await page.getByRole('button', { name: 'Start maintenance' }).click();
    await page.waitForSelector('tr[data-silence]');
    assert.match((await page.locator('table.silences').textContent())!, /ISP <works> tonight/);
    const stored = (await t.redis.hvals(t.keys.silences)).map((s) => JSON.parse(s) as Record<string, unknown>);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.deviceId, 'paris-1');
    assert.equal(stored[0]!.iface, 'wan');
    assert.equal(stored[0]!.createdBy, 'console');
    await page.screenshot({ path: join(OUT, 'console-maintenance.png'), fullPage: true });
    await page.getByRole('button', { name: 'End' }).click();
    await page.waitForSelector('tr[data-silence]', { state: 'detached' });
    await page.close();
  });

  it('lists incidents and silences one from the list (screenshot)', async () => {
    const at = Date.now() - 60_000;
    const dev = encodeTagValue('berlin-1');
    const evil = encodeTagValue('evil-1');
    const lines = [
      `${M.incident},device=${dev},kind=link_down,status=open incident_id="inc-1",iface_name="wanb",title="berlin-1: wanb DOWN",text="link_down" ${at}`,
      `${M.incident},device=${evil},kind=link_down,status=open incident_id="inc-2",iface_name="x",title="<b>evil</b> title",text="link_down" ${at + 1}`,
    ];
    const w = await fetch(`${(await testServices()).influxBaseUrl}/write?db=${t.db}&rp=${RP.forever}&precision=ms`, {
      method: 'POST',
      body: lines.join('\n'),
    });
    assert.equal(w.status, 204, await w.text());
    const page = await signedInPage();
    await page.getByRole('link', { name: 'Incidents' }).click();
    await page.waitForSelector('tr[data-incident="inc-1"]');
    assert.match((await page.locator('tr[data-incident="inc-2"]').textContent())!, /<b>evil<\/b> title/);
    // Acknowledgement waits for alerting's (issue #17): no button pretends to do it.
    assert.equal(await page.getByRole('button', { name: 'Acknowledge' }).count(), 0);
    await page.screenshot({ path: join(OUT, 'console-incidents.png'), fullPage: true });
    await page.locator('tr[data-incident="inc-1"]').getByRole('button', { name: 'Silence 1 h' }).click();
    await page.waitForURL(/\/maintenance$/);
    const stored = (await t.redis.hvals(t.keys.silences)).map((x) => JSON.parse(x) as Record<string, unknown>);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.deviceId, 'berlin-1');
    assert.equal(stored[0]!.iface, 'wanb');
    await page.getByRole('button', { name: 'End' }).click();
    await page.waitForSelector('tr[data-silence]', { state: 'detached' });
    await page.close();
  });

  it('opens a device report in HTML and downloads the CSV', async () => {
    const page = await signedInPage();
    await page.getByRole('link', { name: 'Reports' }).click();
    await page.getByLabel('Device').selectOption('berlin-1');
    await page.getByLabel('Period (up to now)').selectOption('24h');
    await page.getByRole('button', { name: 'Show report' }).click();
    await page.waitForURL(/\/reports\/view\?/);
    assert.match(await page.title(), /Uptime report/);
    assert.match((await page.locator('body').textContent())!, /berlin-1 · Berlin/);
    await page.screenshot({ path: join(OUT, 'console-report.png'), fullPage: true });
    await page.goBack();
    await page.getByLabel('Format').selectOption('csv');
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 10_000 }),
      page.getByRole('button', { name: 'Show report' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'uptime-berlin-1.csv');
    const csv = await request(t.app)
      .get('/reports/view?device=berlin-1&period=7d&format=csv')
      .set('Cookie', (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; '))
      .expect(200)
      .expect('content-type', /text\/csv/);
    assert.match(csv.text, /berlin-1/);
    await page.close();
  });

  it('adds a device with its token shown once and the install line, and removes it', async () => {
    const page = await signedInPage();
    await page.getByRole('link', { name: 'Devices' }).click();
    await page.getByLabel('Device id (letters, digits, . _ : -)').fill('new-1');
    await page.getByLabel('Name', { exact: true }).fill('New <one>');
    await page.getByLabel('Site', { exact: true }).fill('Lisbon');
    await page.getByRole('button', { name: 'Add device' }).click();
    const line = (await page.locator('[data-install]').textContent())!;
    const m = /^wanwatch-reporter run --server (\S+) --device-id new-1 --token (new-1\.\S+)$/.exec(line);
    assert.ok(m, line);
    assert.equal(m[1], base);
    // The token shown works: a report with it is accepted.
    tokens.set('new-1', m[2]!);
    await post('new-1', healthy('new-1', ['wan']));
    await page.goto(`${base}/admin`);
    assert.equal(await page.locator('[data-install]').count(), 0, 'the token is shown only once');
    assert.match((await page.locator('tr[data-device="new-1"]').textContent())!, /New <one>/);
    await page.getByRole('button', { name: 'Remove new-1' }).click();
    await page.waitForSelector('tr[data-device="new-1"]', { state: 'detached' });
    assert.equal(await t.redis.sismember(t.keys.devices, 'new-1'), 0);
    await page.close();
  });

  it('adds receivers from the admin page, keeps their secrets stored and unshown, and removes them', async () => {
    const page = await signedInPage();
    await page.getByRole('link', { name: 'Devices' }).click();
    const secret = 'hook-secret-' + 'x'.repeat(20);
    await page.getByLabel('Receiver type').selectOption('webhook');
    await page.getByLabel('Receiver name (a-z, 0-9, _ and -)').fill('ops-hook');
    await page.getByLabel(/^URL/).fill('http://127.0.0.1:9/hook');
    await page.getByLabel('Webhook signing secret (16 characters or more)').fill(secret);
    await page.getByRole('button', { name: 'Add receiver' }).click();
    await page.waitForSelector('tr[data-receiver="ops-hook"]');
    // A bad one is refused with the API's reason, and the first is kept.
    await page.getByLabel('Receiver type').selectOption('slack');
    await page.getByLabel('Receiver name (a-z, 0-9, _ and -)').fill('chat');
    await page.getByLabel(/^URL/).fill('ftp://example.invalid/');
    await page.getByRole('button', { name: 'Add receiver' }).click();
    assert.match((await page.locator('p.error').textContent())!, /url/i);
    await page.getByLabel('Receiver type').selectOption('slack');
    await page.getByLabel('Receiver name (a-z, 0-9, _ and -)').fill('chat');
    await page.getByLabel(/^URL/).fill('http://127.0.0.1:9/slack');
    await page.getByRole('button', { name: 'Add receiver' }).click();
    await page.waitForSelector('tr[data-receiver="chat"]');
    assert.ok(!(await page.content()).includes(secret), 'the secret is never shown again');
    // Adding the second kept the first one's secret (the list answer is redacted, the store is not).
    const stored = JSON.parse((await t.redis.get(`${t.prefix}:alert:receiver-setup`))!) as {
      receivers: Array<{ name: string; secret?: string }>;
    };
    assert.deepEqual(
      stored.receivers.map((r) => [r.name, r.secret ?? null]),
      [
        ['ops-hook', secret],
        ['chat', null],
      ],
    );
    await page.getByRole('button', { name: 'Remove receiver ops-hook' }).click();
    await page.waitForSelector('tr[data-receiver="ops-hook"]', { state: 'detached' });
    await page.getByRole('button', { name: 'Remove receiver chat' }).click();
    await page.waitForSelector('tr[data-receiver="chat"]', { state: 'detached' });
    const api = await request(t.app).get('/api/v1/receivers').set('Authorization', `Bearer ${t.adminToken}`);
    assert.deepEqual((api.body as { receivers: unknown[] }).receivers, []);
    await page.close();
  });

  it('creates an API token from the admin page, shows it once, and revokes it', async () => {
    const page = await signedInPage();
    await page.getByRole('link', { name: 'Devices' }).click();
    await page.getByLabel('Token name').fill('wall <screen>');
    await page.getByLabel('Token role').selectOption('viewer');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.locator('[data-token]').textContent())!.trim();
    const api = (tok: string) => request(t.app).get('/api/v1/devices').set('Authorization', `Bearer ${tok}`);
    assert.equal((await api(token)).status, 200, 'the token shown works');
    await page.goto(`${base}/admin`);
    assert.equal(await page.locator('[data-token]').count(), 0, 'the token is shown only once');
    assert.ok(!(await page.content()).includes(token));
    const row = page.locator('table.tokens tbody tr', { hasText: 'wall <screen>' });
    assert.match((await row.textContent())!, /viewer/);
    await row.getByRole('button', { name: 'Revoke token wall <screen>' }).click();
    await page.waitForSelector('table.tokens >> text=wall <screen>', { state: 'detached' });
    assert.equal((await api(token)).status, 401, 'a revoked token is refused');
    await page.close();
  });

  it('passes the accessibility basics and axe-core (no critical or serious violation) on every page', async () => {
    const page = await signedInPage();
    const serious: string[] = [];
    for (const path of ['/', '/device/berlin-1', '/maintenance', '/incidents', '/reports', '/admin', '/login']) {
      await page.goto(`${base}${path}`);
      const found = await page.evaluate<string[]>(A11Y_BASICS);
      assert.deepEqual(found, [], path);
      // Evaluated through the DevTools protocol: the page's CSP (no inline script) does not apply.
      await page.evaluate(AXE);
      const violations = await page.evaluate<Array<{ impact: string; id: string; nodes: string[] }>>(AXE_RUN);
      const text = violations.map((v) => `${path} ${v.impact} ${v.id}: ${v.nodes.join(', ')}`);
      assert.deepEqual(
        text.filter((v) => / critical /.test(v)),
        [],
        `critical accessibility violations on ${path}`,
      );
      serious.push(...text.filter((v) => / serious /.test(v)));
    }
    assert.deepEqual(serious, [], 'serious accessibility violations');
    await page.close();
  });
});
