/**
 * Acknowledgement links end to end (ingest, alerting workers, InfluxDB, Redis, SMTP sink): an
 * alert email carries a signed link per recipient; its GET only shows a page, its POST
 * acknowledges as that recipient, the events API shows who, and the reminders stop.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { alertingPlugin, ingestPlugin } from '../backend/plugins/index.ts';
import { loadLinkKey, signLink } from '../store/index.ts';
import { policy, report, transition } from '../test-support/records.ts';
import { startTestBackend, type TestBackend } from '../test-support/test-backend.ts';
import { until } from '../test-support/until.ts';

const ADMIN = 'ack-links-admin-token-0123456789';
const PUBLIC = 'https://noc.example.test';
const OPTIONS = { groupWaitMs: 300, sweepIntervalMs: 200, reminderIntervalMs: 2_000 };

describe('acknowledgement links in alert emails', () => {
  let t: TestBackend;
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(t.base + path, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const local = (url: string) => t.base + url.slice(PUBLIC.length);
  const mailsTo = (who: string) => t.sink.messages.filter((m) => m.rcptTo.includes(who));

  before(async () => {
    t = await startTestBackend({
      label: 'acklinks',
      adminToken: ADMIN,
      smtpSink: true,
      plugins: [ingestPlugin, alertingPlugin({ options: OPTIONS })],
      config: { alertEmails: ['noc@test.local'], publicUrl: PUBLIC },
    });
  });
  after(async () => {
    await t?.close();
  });

  async function linkDown(id: string): Promise<void> {
    const res = await admin('POST', '/api/v1/devices', {
      id,
      name: `Shop <${id}>`,
      notificationEmails: [`${id}@test.local`],
    });
    assert.equal(res.status, 201);
    const token = ((await res.json()) as { token: string }).token;
    const t0 = Date.now() - 5_000;
    const send = async (records: Parameters<typeof report>[1]) => {
      const r = await fetch(`${t.base}/api/v1/reports`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(report(id, records)),
      });
      assert.equal(r.status, 200, await r.text());
    };
    await send([
      transition({ seq: 1, timeMs: t0, iface: 'wan', from: 'unknown', to: 'online', reason: 'start' }),
      transition({ seq: 2, timeMs: t0, iface: 'wanb', from: 'unknown', to: 'online', reason: 'start' }),
    ]);
    await send([transition({ seq: 3, timeMs: Date.now(), iface: 'wan' }), policy({ seq: 4, timeMs: Date.now() })]);
  }

  /** The acknowledgement links of the text of the first email to `who`, by recipient. */
  async function ackLinks(who: string): Promise<Map<string, string>> {
    const msg = await until(`an email to ${who}`, () => mailsTo(who)[0] ?? false);
    const text = (await simpleParser(msg.raw)).text ?? '';
    const links = new Map<string, string>();
    for (const m of text.matchAll(/as (\S+): (https:\/\/\S+)/g)) links.set(m[1]!, m[2]!);
    assert.match(text, /Uptime report \(last 7 days\): https:\/\/noc\.example\.test\/share\/devices\//);
    return links;
  }

  it('GET shows a page, POST acknowledges as the recipient; the events API shows who; no reminders', async () => {
    await linkDown('ack-1');
    await linkDown('ack-2');
    const links = await ackLinks('ack-1@test.local');
    assert.deepEqual([...links.keys()].sort(), ['ack-1@test.local', 'noc@test.local']);
    const url = local(links.get('ack-1@test.local')!);

    // A mail scanner's GET acknowledges nothing: only a page with a button.
    for (let i = 0; i < 2; i++) {
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
      const html = await page.text();
      assert.match(html, /<form method="post" action="">/);
      assert.match(html, /Shop &lt;ack-1&gt;: wan DOWN/);
      assert.match(html, /as <strong>ack-1@test\.local<\/strong>/);
      assert.doesNotMatch(html, new RegExp(ADMIN));
    }
    const events = async (id: string) => {
      const res = await admin('GET', `/api/v1/devices/${id}/events`);
      return ((await res.json()) as { events: Array<{ status?: string; title?: string }> }).events;
    };
    assert.equal((await events('ack-1')).filter((e) => e.status === 'acknowledged').length, 0);

    const done = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(done.status, 200);
    assert.match(await done.text(), /acknowledged by ack-1@test\.local/);
    const again = await fetch(url, { method: 'POST' });
    assert.match(await again.text(), /Already acknowledged/);
    const acks = await until('the ack in the events API', async () => {
      const rows = (await events('ack-1')).filter((e) => e.status === 'acknowledged');
      return rows.length > 0 && rows;
    });
    assert.equal(acks.length, 1, 'recorded once');
    assert.equal(acks[0]!.title, 'acknowledged by ack-1@test.local');

    // ack-2 was not acknowledged: it gets reminders (which carry links again); ack-1 does not.
    await until('a reminder for ack-2', () => mailsTo('ack-2@test.local').length >= 2, 30_000);
    assert.equal(mailsTo('ack-1@test.local').length, 1, 'ack-1 was acknowledged: its DOWN only');
  });

  it('refuses tampered, other-incident and expired links; no token opens the page', async () => {
    await linkDown('ack-3');
    const links = await ackLinks('ack-3@test.local');
    const url = local(links.get('ack-3@test.local')!);
    const refused = async (u: string, code: string, method = 'GET') => {
      const res = await fetch(u, { method });
      assert.equal(res.status, 403, `${method} ${u}`);
      assert.match(res.headers.get('content-type')!, /^application\/problem\+json/);
      assert.equal(((await res.json()) as { code: string }).code, code);
    };
    for (const method of ['GET', 'POST']) {
      await refused(url.replace('by=ack-3%40test.local', 'by=mallory%40test.local'), 'link_invalid', method);
      await refused(url.replace('device=ack-3', 'device=ack-2'), 'link_invalid', method);
      await refused(url.replace('/ack/down%3A', '/ack/down%3Ax'), 'link_invalid', method);
      await refused(url.replace(/sig=.*/, `sig=${'A'.repeat(43)}`), 'link_invalid', method);
      await refused(`${url}&token=${ADMIN}`, 'link_invalid', method);
      await refused(url.replace(/\?.*/, ''), 'link_invalid', method);
    }
    // Signed with the server's own key for the same incident and recipient, but expired.
    const u = new URL(url);
    const key = await loadLinkKey(t.backend.ctx.redis, t.backend.ctx.keys.linkKey);
    const params = [...u.searchParams].filter(([k]) => k === 'device' || k === 'by');
    const expired = t.base + signLink(key, u.pathname, params, Date.now() - 1_000);
    await refused(expired, 'link_expired');
    await refused(expired, 'link_expired', 'POST');
    const events = await admin('GET', '/api/v1/devices/ack-3/events');
    const rows = ((await events.json()) as { events: Array<{ status?: string }> }).events;
    assert.equal(rows.filter((e) => e.status === 'acknowledged').length, 0, 'nothing acknowledged');
  });
});
