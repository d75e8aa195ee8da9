import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import nodemailer, { type Transporter } from 'nodemailer';
import { pino } from 'pino';
import { encodeTagValue } from '../contract/index.ts';
import { M, RP, loadLinkKey, verifyLink } from '../store/index.ts';
import { startTestIngest, type TestIngest } from '../test-support/ingest.ts';
import { startSmtpSink, type SmtpSink } from '../stack/smtp-sink.ts';
import { testServices } from '../stack/testing.ts';
import { reportPeriod } from './core/schedule.ts';
import { bullConnection } from '../backend/clients.ts';
import {
  DEFAULT_REPORT_SCHEDULE,
  parseReportSchedule,
  startScheduledReports,
  type ReportMailer,
  type ScheduledReports,
} from './index.ts';

describe('reportPeriod', () => {
  it('week = the last full ISO week, month = the last full calendar month, last = [now - length, now)', () => {
    const wed = Date.UTC(2026, 0, 7, 6, 30); // a Wednesday
    assert.deepEqual(reportPeriod('week', wed), { fromMs: Date.UTC(2025, 11, 29), toMs: Date.UTC(2026, 0, 5) });
    const monday = Date.UTC(2026, 0, 5, 6, 0);
    assert.deepEqual(reportPeriod('week', monday), { fromMs: Date.UTC(2025, 11, 29), toMs: Date.UTC(2026, 0, 5) });
    assert.deepEqual(reportPeriod('month', Date.UTC(2026, 0, 1, 6)), {
      fromMs: Date.UTC(2025, 11, 1),
      toMs: Date.UTC(2026, 0, 1),
    });
    assert.deepEqual(reportPeriod('month', Date.UTC(2026, 2, 15)), {
      fromMs: Date.UTC(2026, 1, 1),
      toMs: Date.UTC(2026, 2, 1),
    });
    assert.deepEqual(reportPeriod('last', 10_000_000, 3_600_000), { fromMs: 6_400_000, toMs: 10_000_000 });
  });
});

describe('parseReportSchedule', () => {
  it('turns words into scheduler entries and names a bad word', () => {
    assert.deepEqual(parseReportSchedule('weekly,monthly'), DEFAULT_REPORT_SCHEDULE);
    const weekly = parseReportSchedule(' Weekly ');
    assert.equal(weekly['device-monthly'], false);
    assert.deepEqual(weekly['fleet-weekly'], DEFAULT_REPORT_SCHEDULE['fleet-weekly']);
    assert.ok(Object.values(parseReportSchedule('off')).every((e) => e === false));
    assert.throws(() => parseReportSchedule('daily'), /"daily"/);
    assert.throws(() => parseReportSchedule('off,weekly'), /off/);
  });
});

describe('scheduled uptime reports (BullMQ job scheduler -> real SMTP sink)', () => {
  let t: TestIngest;
  let sink: SmtpSink;
  let reports: ScheduledReports;
  let transport: Transporter;

  before(async () => {
    t = await startTestIngest({ label: 'reports_sched' });
    sink = await startSmtpSink();
    await t.addDevice('ce-sched', { name: 'Branch 7', notificationEmails: ['owner@example.test'] });
    await t.addDevice('ce-quiet', { name: 'No recipients' });
    // One outage of 10 minutes, 30 minutes ago.
    const now = Date.now();
    const line = (ms: number, from: string, to: string, seq: number) =>
      `${M.transition},device=${encodeTagValue('ce-sched')},iface=wan from_state="${from}",to_state="${to}",reason="track",seq=${seq}i,boot_id="boot-1" ${ms}`;
    const body = [
      line(now - 40 * 60_000, 'unknown', 'online', 1),
      line(now - 30 * 60_000, 'online', 'offline', 2),
      line(now - 20 * 60_000, 'offline', 'online', 3),
    ];
    const base = (await testServices()).influxBaseUrl;
    const w = await fetch(`${base}/write?db=${t.db}&rp=${RP.forever}&precision=ms`, {
      method: 'POST',
      body: body.join('\n'),
    });
    assert.equal(w.status, 204);

    transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true });
    const mailer: ReportMailer = {
      async send(msg) {
        await transport.sendMail({ from: 'wanwatch@example.test', ...msg });
      },
    };
    reports = await startScheduledReports({
      influx: t.influx,
      redis: t.redis,
      keys: t.keys,
      logger: pino({ level: process.env.WANWATCH_TEST_LOG ?? 'silent' }),
      connection: bullConnection(t.redisUrl),
      mailer,
      nocEmails: ['noc@example.test'],
      publicUrl: 'https://noc.example.test',
      schedule: {
        'device-test': { audience: 'device', period: 'last', lengthMs: 3_600_000, repeat: { every: 2_000 } },
        'fleet-test': { audience: 'fleet', period: 'last', lengthMs: 3_600_000, repeat: { every: 2_000 } },
        'device-weekly': false,
      },
    });
  });
  after(async () => {
    await reports?.close();
    transport?.close();
    await sink?.close();
    await t?.close();
  });

  it('mails the device report to its recipients and the fleet summary to the NOC', async () => {
    // Both schedulers fire every 2 s; wait (bounded) until one mail of each kind arrived.
    const deadline = Date.now() + 20_000;
    let n = 2;
    let got = await sink.waitForMessages(n, 20_000);
    let parsed = await Promise.all(got.map((m) => simpleParser(m.raw)));
    while (
      !(parsed.some((m) => m.subject?.includes('Branch 7')) && parsed.some((m) => m.subject?.includes('fleet'))) &&
      Date.now() < deadline
    ) {
      got = await sink.waitForMessages(++n, Math.max(1, deadline - Date.now()));
      parsed = await Promise.all(got.map((m) => simpleParser(m.raw)));
    }
    const device = parsed.find((m) => m.subject?.includes('Branch 7'));
    const fleet = parsed.find((m) => m.subject?.includes('fleet'));
    assert.ok(device, `a device report among: ${parsed.map((m) => m.subject).join(' | ')}`);
    assert.ok(fleet, 'a fleet report');
    assert.deepEqual(got[parsed.indexOf(device)]!.rcptTo, ['owner@example.test']);
    assert.deepEqual(got[parsed.indexOf(fleet)]!.rcptTo, ['noc@example.test']);
    // The 10-minute outage of the last hour (availability depends on when in the hour the job ran).
    assert.match(device.text ?? '', /Outages:\n/);
    assert.match(device.text ?? '', /wan .* 10m 00s\s+link_down/);
    assert.match(device.html || '', /<svg/);
    assert.match(fleet.text ?? '', /ce-sched/);
    assert.match(fleet.text ?? '', /ce-quiet/);
    // Each carries share links (HTML and CSV of the same period) that the server's key verifies.
    const key = await loadLinkKey(t.redis, t.keys.linkKey);
    for (const [mail, path] of [
      [device, '/share/devices/ce-sched/uptime'],
      [fleet, '/share/uptime'],
    ] as const) {
      const open = /Open online: (\S+)\nCSV: (\S+)/.exec(mail.text ?? '');
      assert.ok(open, mail.text);
      for (const link of [open[1]!, open[2]!]) {
        const u = new URL(link);
        assert.equal(u.origin + u.pathname, `https://noc.example.test${path}`);
        assert.deepEqual(verifyLink(key, u.pathname, u.searchParams, Date.now()), { ok: true });
      }
      assert.match(mail.html || '', /Open this report online<\/a>/);
    }
    // The device without recipients gets no mail.
    assert.ok(got.every((m) => !m.rcptTo.includes('')));
  });
});
