import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as Influx from 'influx';
import { Queue, Worker, QueueEvents } from 'bullmq';
import nodemailer from 'nodemailer';
import { simpleParser } from 'mailparser';
import { testServices, type TestServices } from '../testing.ts';
import { startSmtpSink, type SmtpSink } from '../smtp-sink.ts';
import { parseInfluxUrl } from '../../store/index.ts';

describe('private stack: the real services work', () => {
  let svc: TestServices;
  before(async () => {
    svc = await testServices();
  });

  it('a point written to influxd through the influx package reads back', async () => {
    const { url, db } = svc.influxDb('stack');
    const influx = new Influx.InfluxDB({ ...parseInfluxUrl(url) });
    await influx.createDatabase(db);
    const t = new Date(Date.UTC(2026, 10, 21, 12, 0, 0));
    await influx.writePoints(
      [{ measurement: 'probe', tags: { iface: 'eth 1' }, fields: { rtt_avg_ms: 12.5, up: 1 }, timestamp: t }],
      {
        precision: 'ms',
      },
    );
    const rows = await influx.query<{ time: Date; rtt_avg_ms: number; iface: string }>(
      'SELECT rtt_avg_ms, iface FROM probe WHERE iface = $iface',
      { placeholders: { iface: 'eth 1' } },
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.rtt_avg_ms, 12.5);
    assert.equal(rows[0]!.time.getTime(), t.getTime());
    await influx.dropDatabase(db);
  });

  it('a BullMQ job round-trips through redis-server', async () => {
    const prefix = svc.redisPrefix('stack');
    const connection = { url: svc.redisUrl, maxRetriesPerRequest: null };
    const queue = new Queue('roundtrip', { connection, prefix });
    const events = new QueueEvents('roundtrip', { connection, prefix });
    await events.waitUntilReady();
    const worker = new Worker('roundtrip', async (job) => ({ echoed: job.data.n * 2 }), { connection, prefix });
    try {
      const job = await queue.add('double', { n: 21 }, { jobId: 'job-a' });
      const result = await job.waitUntilFinished(events, 10_000);
      assert.deepEqual(result, { echoed: 42 });
    } finally {
      await worker.close();
      await events.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  describe('SMTP sink', () => {
    let sink: SmtpSink;
    before(async () => {
      sink = await startSmtpSink();
    });
    after(async () => {
      await sink.close();
    });

    it('a mail sent with nodemailer arrives and parses', async () => {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: sink.port,
        secure: false,
        ignoreTLS: true,
      });
      await transport.sendMail({
        from: 'wanwatch@example.test',
        to: 'noc@example.test',
        subject: 'eth1 DOWN',
        text: 'eth1 is down',
        html: '<p>eth1 is <b>down</b></p>',
        messageId: '<inc-1@wanwatch.test>',
      });
      transport.close();
      const [msg] = await sink.waitForMessages(1, 5_000);
      const parsed = await simpleParser(msg!.raw);
      assert.equal(parsed.subject, 'eth1 DOWN');
      assert.equal(parsed.messageId, '<inc-1@wanwatch.test>');
      assert.match(parsed.html || '', /<b>down<\/b>/);
      assert.deepEqual(msg!.rcptTo, ['noc@example.test']);
    });

    it('refuses with 550 in reject-permanent mode', async () => {
      sink.setMode('reject-permanent');
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: sink.port,
        secure: false,
        ignoreTLS: true,
      });
      await assert.rejects(
        transport.sendMail({ from: 'a@example.test', to: 'b@example.test', subject: 's', text: 't' }),
        (err: { responseCode?: number }) => err.responseCode === 550,
      );
      transport.close();
      sink.setMode('accept');
    });
  });
});
