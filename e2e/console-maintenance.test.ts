/**
 * Acknowledge and silence from the web console change what is emailed: the whole backend (ingest,
 * alerting workers with BullMQ, the console plugin, real Redis, InfluxDB, SMTP sink) driven by the
 * Debian Chromium. (a) a device silenced in the UI gets no email for a link cut while another
 * device's cut is emailed; (b) an incident acknowledged in the UI gets no reminders while an
 * unacknowledged one does, and the ack with who gave it is in the events API and the list;
 * (c) a weekly window in force now, made in the UI, records a cut without emailing it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { alertingPlugin, consolePlugin, ingestPlugin } from '../backend/plugins/index.ts';
import type { ReportRecord } from '../contract/index.ts';
import { WEEKDAYS } from '../store/index.ts';
import { policy, sample, transition } from '../test-support/records.ts';
import { launchChromium } from '../test-support/launch-chromium.ts';
import { startTestBackend, type TestBackend } from '../test-support/test-backend.ts';
import { until } from '../test-support/until.ts';

const ADMIN = 'console-maintenance-admin-token';
// A long watchdog: the devices report only when a link changes, and must not go unreachable meanwhile.
const OPTIONS = { groupWaitMs: 300, sweepIntervalMs: 200, reminderIntervalMs: 4_000, watchdogMinMs: 600_000 };

describe('console ack and silence change what is emailed (whole backend + Chromium)', () => {
  let t: TestBackend;
  let browser: Browser;
  let page: Page;
  const tokens = new Map<string, string>();
  const seqs = new Map<string, number>();
  const api = () => t.base;
  const mailsTo = (id: string) => t.sink.messages.filter((m) => m.rcptTo.includes(`${id}@test.local`));
  const subjectOf = (raw: Buffer | string) => /^Subject: (.*)$/im.exec(String(raw))?.[1] ?? '';
  const linkDownMailed = (id: string) => mailsTo(id).some((m) => /DOWN/.test(subjectOf(m.raw)));
  const incidents = async (id: string) =>
    t.backend.ctx.influx.query<{ status: string; kind: string }>(
      `SELECT * FROM "forever"."wan_incident" WHERE "device" = '${id}'`,
    );

  const send = async (id: string, records: (seq: () => number) => ReportRecord[]) => {
    const seq = () => {
      seqs.set(id, (seqs.get(id) ?? 0) + 1);
      return seqs.get(id)!;
    };
    await request(api())
      .post('/api/v1/reports')
      .set('Authorization', `Bearer ${tokens.get(id)}`)
      .send({
        v: 1,
        deviceId: id,
        bootId: `boot-${id}-run1`,
        sentAtMs: Date.now(),
        reportIntervalMs: 60_000,
        records: records(seq),
      })
      .expect(200);
  };
  const split = (seq: number, online: string[]) =>
    policy({
      seq,
      timeMs: Date.now(),
      policies: [
        {
          policy: 'balanced',
          family: 'ipv4',
          members: ['wan', 'wanb'].map((iface) => ({
            iface,
            sharePct: online.includes(iface) ? 100 / online.length : 0,
            metric: 1,
            weight: 1,
          })),
          lastResort: 'unreachable',
          lastResortActive: false,
        },
      ],
    });
  /** wan goes down, wanb carries everything. */
  const cut = (id: string) =>
    send(id, (seq) => [
      sample({ seq: seq(), timeMs: Date.now(), iface: 'wanb' }),
      transition({ seq: seq(), timeMs: Date.now(), iface: 'wan', from: 'online', to: 'offline', reason: 'track' }),
      split(seq(), ['wanb']),
    ]);

  before(async () => {
    t = await startTestBackend({
      label: 'console_maint',
      adminToken: ADMIN,
      smtpSink: true,
      plugins: [ingestPlugin, alertingPlugin({ options: OPTIONS }), consolePlugin],
    });
    for (const id of ['m-a', 'm-b', 'm-c', 'm-d', 'm-e', 'm-f', 'm-g']) {
      const r = await request(api())
        .post('/api/v1/devices')
        .set('Authorization', `Bearer ${ADMIN}`)
        .send({ id, name: id, site: id === 'm-g' ? 'lab <1>' : 'hq', notificationEmails: [`${id}@test.local`] })
        .expect(201);
      tokens.set(id, r.body.token);
      await send(id, (seq) => [
        transition({ seq: seq(), timeMs: Date.now(), iface: 'wan', from: 'unknown', to: 'online', reason: 'start' }),
        transition({ seq: seq(), timeMs: Date.now(), iface: 'wanb', from: 'unknown', to: 'online', reason: 'start' }),
        split(seq(), ['wan', 'wanb']),
      ]);
    }
    browser = await launchChromium();
    page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${api()}/login`);
    await page.getByLabel('Admin token').fill(ADMIN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${api()}/`);
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('(a) a device silenced in the UI gets no email for a link cut; another device does', async () => {
    await page.goto(`${api()}/maintenance`);
    await page.getByLabel('Device', { exact: true }).selectOption('m-a');
    await page.getByLabel('Hours').fill('1');
    await page.getByLabel('Comment').fill('router swap');
    await page.getByRole('button', { name: 'Start maintenance' }).click();
    await page.waitForSelector('tr[data-silence]');
    // And every device of a site, picked by its (hostile) name.
    await page.getByLabel('Site (when none is picked above)').selectOption('lab <1>');
    await page.getByLabel('Comment').fill('lab rewiring');
    await page.getByRole('button', { name: 'Start maintenance' }).click();
    await page.locator('tr[data-silence]', { hasText: 'site lab <1>' }).waitFor();
    await Promise.all([cut('m-a'), cut('m-b'), cut('m-g')]);
    await until('the DOWN email of m-b', () => linkDownMailed('m-b'));
    await until('m-g DOWN recorded as silenced', async () =>
      (await incidents('m-g')).some((r) => r.kind === 'link_down' && r.status === 'silenced'),
    );
    assert.equal(mailsTo('m-g').length, 0, 'the device of the silenced site got no email');
    await until('m-a DOWN recorded as silenced', async () =>
      (await incidents('m-a')).some((r) => r.kind === 'link_down' && r.status === 'silenced'),
    );
    assert.equal(mailsTo('m-a').length, 0, 'the silenced device got no email');
  });

  it('(b) an incident acknowledged in the UI gets no reminders; an unacknowledged one does', async () => {
    await Promise.all([cut('m-c'), cut('m-d')]);
    await until('the DOWN emails', () => linkDownMailed('m-c') && linkDownMailed('m-d'));
    await page.goto(`${api()}/incidents`);
    const row = page.locator('tr[data-status="notified"]', { hasText: 'm-c' }).filter({ hasText: 'link_down' });
    await row.getByRole('button', { name: 'Acknowledge' }).click();
    await page.waitForURL(`${api()}/incidents`);
    const ackedAtMs = Date.now();
    const mailsAtAck = mailsTo('m-c').length;
    const ack = await until('the ack in the events API', async () => {
      const r = await request(api()).get('/api/v1/devices/m-c/events').set('Authorization', `Bearer ${ADMIN}`);
      return JSON.stringify(r.body).includes('acknowledged by admin') && r.body;
    });
    assert.ok(ack);
    await page.reload();
    assert.ok((await page.locator('tr[data-status="acknowledged"]', { hasText: 'm-c' }).count()) >= 1);
    // Two reminders for m-d after the ack: m-c would have had at least one by then.
    await until(
      'two reminders of m-d after the ack',
      () => mailsTo('m-d').filter((m) => m.receivedAtMs > ackedAtMs && /reminder/i.test(subjectOf(m.raw))).length >= 2,
      30_000,
    );
    assert.equal(mailsTo('m-c').length, mailsAtAck, 'no reminder for the acknowledged incident');
  });

  it('(c) a weekly window in force now, made in the UI, records a cut without emailing it', async () => {
    const startAt = new Date(Date.now() - 60 * 60_000);
    await page.goto(`${api()}/maintenance`);
    await page.getByLabel('Device', { exact: true }).selectOption('m-e');
    await page.getByLabel('every week').check();
    await page.locator(`#day-${WEEKDAYS[startAt.getUTCDay()]}`).check();
    await page.getByLabel('Start time (local)').fill(startAt.toISOString().slice(11, 16));
    await page.getByLabel('Duration (minutes)').fill('180');
    await page.getByLabel('Time zone (IANA)').fill('UTC');
    await page.getByLabel('First date (empty: today)').fill(startAt.toISOString().slice(0, 10));
    await page.getByLabel('Comment').fill('weekly <patch> window');
    await page.getByRole('button', { name: 'Start maintenance' }).click();
    const made = page.locator('tr[data-silence]', { hasText: 'weekly <patch> window' });
    assert.match((await made.textContent())!, /weekly: .* for 180 min \(UTC\)/);
    assert.match((await made.textContent())!, /in force/);
    // m-f: a weekly window later today, not in force now: its cut is emailed.
    const later = new Date(Date.now() + 120 * 60_000);
    await page.getByLabel('Device', { exact: true }).selectOption('m-f');
    await page.getByLabel('every week').check();
    await page.locator(`#day-${WEEKDAYS[later.getUTCDay()]}`).check();
    await page.getByLabel('Start time (local)').fill(later.toISOString().slice(11, 16));
    await page.getByLabel('Duration (minutes)').fill('30');
    await page.getByLabel('Time zone (IANA)').fill('UTC');
    await page.getByLabel('First date (empty: today)').fill(startAt.toISOString().slice(0, 10));
    await page.getByLabel('Comment').fill('later window');
    await page.getByRole('button', { name: 'Start maintenance' }).click();
    assert.doesNotMatch(
      (await page.locator('tr[data-silence]', { hasText: 'later window' }).textContent())!,
      /in force/,
    );
    await page.goto(`${api()}/`);
    assert.equal(await page.locator('tr[data-id="m-e"] .badge.maint').count(), 1, 'maintenance badge on the board');
    assert.equal(await page.locator('tr[data-id="m-f"] .badge.maint').count(), 0);

    await Promise.all([cut('m-e'), cut('m-f')]);
    await until('the DOWN email of m-f', () => linkDownMailed('m-f'));
    await until('m-e DOWN recorded as silenced', async () =>
      (await incidents('m-e')).some((r) => r.kind === 'link_down' && r.status === 'silenced'),
    );
    assert.equal(mailsTo('m-e').length, 0, 'the cut inside the weekly window was not emailed');
  });

  it('a bad weekly window is refused with the field named', async () => {
    await page.goto(`${api()}/maintenance`);
    await page.getByLabel('every week').check();
    await page.locator('#day-mon').check();
    await page.getByLabel('Time zone (IANA)').fill('Mars/Olympus');
    await page.getByRole('button', { name: 'Start maintenance' }).click();
    assert.match((await page.getByRole('alert').textContent())!, /weekly\.timeZone/);
    const res = await request(api())
      .post('/api/v1/silences')
      .set('Authorization', `Bearer ${ADMIN}`)
      .send({ weekly: { days: ['mon'], start: '25:00', durationMin: 60, timeZone: 'UTC' } })
      .expect(422);
    assert.equal(res.body.code, 'validation_failed');
    assert.equal(res.body.errors[0].path, 'weekly.start');
  });
});
