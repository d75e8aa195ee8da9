import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { QUEUES, type LinkMaker, type Mailer, type SharedReport } from '../store/index.ts';
import { escapeHtml } from '../store/text-format.ts';
import { z } from 'zod';
import { formatZoned } from './core/zoned-time.ts';
import { reportPeriod, reportRunKey, type ReportPeriodKind } from './core/schedule.ts';
import { formatPct, formatTime } from './render/format.ts';
import { deviceHtml, fleetHtml } from './render/html.ts';
import { deviceText, fleetText } from './render/text.ts';
import type { DeviceRegistry } from '../store/index.ts';

/** What a report reads of the device registry: the devices (names, sites) and their silences. */
type DevicesAndSilences = Pick<DeviceRegistry, 'device' | 'devices' | 'silences'>;
import type { UptimeService } from './uptime-service.ts';

/** The mailer the report emails go through (the backend's one; store/mail.ts). */
export type ReportMailer = Mailer;

/** When a schedule fires: a cron pattern (6 fields allowed, seconds first) or a fixed interval. */
export const repeatSchema = z.union([
  z.strictObject({ pattern: z.string().min(9), tz: z.string().optional() }),
  z.strictObject({ every: z.number().int().min(1000) }),
]);

const entrySchema = z.strictObject({
  audience: z.enum(['device', 'fleet']),
  period: z.enum(['week', 'month', 'last']),
  /** Length of a `last` period. */
  lengthMs: z.number().int().positive().optional(),
  repeat: repeatSchema,
});
export type ScheduleEntry = z.infer<typeof entrySchema>;

/** Scheduler id -> entry; `false` turns a default off (its scheduler is removed). */
export const reportScheduleSchema = z.record(
  z.string().regex(/^[a-z0-9-]{1,40}$/),
  z.union([entrySchema, z.literal(false)]),
);
export type ReportSchedule = z.infer<typeof reportScheduleSchema>;

/** Mondays 06:00 UTC and the 1st of the month 06:00 UTC; device reports to their recipients, fleet to the NOC. */
export const DEFAULT_REPORT_SCHEDULE: ReportSchedule = {
  'device-weekly': { audience: 'device', period: 'week', repeat: { pattern: '0 0 6 * * 1', tz: 'UTC' } },
  'device-monthly': { audience: 'device', period: 'month', repeat: { pattern: '0 0 6 1 * *', tz: 'UTC' } },
  'fleet-weekly': { audience: 'fleet', period: 'week', repeat: { pattern: '0 0 6 * * 1', tz: 'UTC' } },
  'fleet-monthly': { audience: 'fleet', period: 'month', repeat: { pattern: '0 0 6 1 * *', tz: 'UTC' } },
};

/**
 * A schedule from a short configuration string (for an environment variable or a flag):
 * `weekly`, `monthly`, `weekly,monthly` (device and fleet reports each), or `off` (every default
 * scheduler removed). Throws naming the bad word.
 */
export function parseReportSchedule(spec: string): ReportSchedule {
  const words = spec
    .split(',')
    .map((w) => w.trim().toLowerCase())
    .filter(Boolean);
  const bad = words.find((w) => !['weekly', 'monthly', 'off'].includes(w));
  if (bad !== undefined) throw new Error(`report schedule: unknown word "${bad}" (expected weekly, monthly or off)`);
  if (words.includes('off') && words.length > 1)
    throw new Error('report schedule: "off" cannot be combined with other words');
  const out: ReportSchedule = {};
  for (const [id, entry] of Object.entries(DEFAULT_REPORT_SCHEDULE)) {
    const period = id.endsWith('weekly') ? 'weekly' : 'monthly';
    out[id] = words.includes(period) ? entry : false;
  }
  return out;
}

const jobSchema = z.strictObject({
  v: z.literal(1),
  audience: z.enum(['device', 'fleet']),
  period: z.enum(['week', 'month', 'last']),
  lengthMs: z.number().int().positive().optional(),
  /** Set on the per-device fan-out jobs; a scheduler's own job has neither. */
  deviceId: z.string().optional(),
  fromMs: z.number().int().optional(),
  toMs: z.number().int().optional(),
});
type ReportJob = z.infer<typeof jobSchema>;

export interface ScheduledReportsDeps {
  /** A worker connection (backend/clients.ts `bullConnection(url)`). */
  connection: ConnectionOptions;
  /** BullMQ key prefix (normally `redisKeys(prefix).bull`). */
  prefix: string;
  service: UptimeService;
  registry: DevicesAndSilences;
  mailer: ReportMailer;
  nocEmails: string[];
  logger: Logger;
  schedule: ReportSchedule;
  /** Signs share links of the mailed report (WANWATCH_PUBLIC_URL set); without it mails carry none. */
  links?: () => Promise<LinkMaker>;
}

/** How long the share links of a mailed report open it: past the next monthly report. */
export const MAILED_LINK_LIFETIME_MS = 35 * 86_400_000;

/**
 * A mailed report's text and HTML with its share links (HTML and CSV of the same report) added:
 * appended to the text, and before `</body>` of the HTML. Pure.
 */
export function withShareLinks(mail: { text: string; html: string }, links: { html: string; csv: string } | null) {
  if (!links) return mail;
  const text = `${mail.text.replace(/\n*$/, '')}\n\nOpen online: ${links.html}\nCSV: ${links.csv}\n`;
  const a = (url: string, label: string) => `<a href="${escapeHtml(url)}">${escapeHtml(label)}</a>`;
  const p = `<p>${a(links.html, 'Open this report online')} · ${a(links.csv, 'CSV')}</p>`;
  const html = mail.html.includes('</body>') ? mail.html.replace('</body>', `${p}\n</body>`) : mail.html + p;
  return { text, html };
}

export interface ScheduledReports {
  close(): Promise<void>;
}

const periodLabel = (kind: ReportPeriodKind) =>
  kind === 'week' ? 'weekly' : kind === 'month' ? 'monthly' : 'periodic';

/**
 * Upserts one BullMQ job scheduler per enabled entry (idempotent on every start; `false` removes
 * it) and runs the worker. A scheduler job fans out into one job per device whose id names the
 * device and period, so a retried or duplicated run mails each report once per period.
 */
export async function startScheduledReports(deps: ScheduledReportsDeps): Promise<ScheduledReports> {
  const schedule = reportScheduleSchema.parse(deps.schedule);
  const connection = deps.connection;
  const queue = new Queue<ReportJob>(QUEUES.reports, {
    prefix: deps.prefix,
    connection,
    defaultJobOptions: {
      attempts: 8,
      backoff: { type: 'exponential', delay: 30_000 },
      removeOnComplete: { age: 40 * 86_400 },
      removeOnFail: { age: 40 * 86_400 },
    },
  });
  for (const [id, entry] of Object.entries(schedule)) {
    if (entry === false) {
      await queue.removeJobScheduler(id);
      continue;
    }
    const data: ReportJob = {
      v: 1,
      audience: entry.audience,
      period: entry.period,
      ...(entry.lengthMs ? { lengthMs: entry.lengthMs } : {}),
    };
    await queue.upsertJobScheduler(id, entry.repeat, { name: id, data });
  }

  const process = async (job: Job<ReportJob>) => {
    const data = jobSchema.parse(job.data);
    if (data.fromMs === undefined || data.toMs === undefined) {
      const { fromMs, toMs } = reportPeriod(data.period, job.timestamp, data.lengthMs);
      if (data.audience === 'fleet') return sendFleet(data.period, fromMs, toMs);
      const devices = (await deps.registry.devices()).filter((d) => d.notificationEmails.length > 0);
      // Each device's week or month runs on its own (or its site's) calendar.
      const jobs = await Promise.all(
        devices.map(async (d) => {
          const zone = await deps.service.timeZoneOf(d.id);
          const p = reportPeriod(data.period, job.timestamp, data.lengthMs, zone);
          return {
            name: 'device-report',
            data: { ...data, deviceId: d.id, fromMs: p.fromMs, toMs: p.toMs },
            opts: { jobId: reportRunKey('device', data.period, p.fromMs, d.id) },
          };
        }),
      );
      await queue.addBulk(jobs);
      return;
    }
    if (data.deviceId) await sendDevice(data.deviceId, data.period, data.fromMs, data.toMs);
  };

  /** The share links (HTML, CSV) of one mailed report; null without a link maker. */
  async function shareLinks(r: Omit<SharedReport, 'format'>, nowMs: number) {
    if (!deps.links) return null;
    const maker = await deps.links();
    const expMs = nowMs + MAILED_LINK_LIFETIME_MS;
    return { html: maker.report({ ...r, format: 'html' }, expMs), csv: maker.report({ ...r, format: 'csv' }, expMs) };
  }
  const iso = (ms: number) => new Date(ms).toISOString();

  async function sendDevice(deviceId: string, kind: ReportPeriodKind, fromMs: number, toMs: number) {
    const record = await deps.registry.device(deviceId);
    if (!record || record.notificationEmails.length === 0) return;
    const r = await deps.service.device(deviceId, fromMs, toMs);
    const links = await shareLinks({ deviceId, from: iso(fromMs), to: iso(toMs), tz: r.timeZone }, Date.now());
    await deps.mailer.send({
      to: record.notificationEmails,
      subject: `[wanwatch] ${periodLabel(kind)} uptime ${record.name || deviceId}: internet ${formatPct(r.internet.availabilityPct)} (${formatZoned(fromMs, r.timeZone).slice(0, 10)} – ${formatZoned(toMs, r.timeZone).slice(0, 10)})`,
      ...withShareLinks({ text: deviceText(r), html: deviceHtml(r) }, links),
      messageId: `<${reportRunKey('device', kind, fromMs, deviceId)}@wanwatch>`,
    });
    deps.logger.info({ deviceId, kind, fromMs, toMs }, 'uptime report mailed');
  }

  async function sendFleet(kind: ReportPeriodKind, fromMs: number, toMs: number) {
    if (deps.nocEmails.length === 0) return;
    const f = await deps.service.fleet(fromMs, toMs);
    const links = await shareLinks({ deviceId: null, from: iso(fromMs), to: iso(toMs) }, Date.now());
    await deps.mailer.send({
      to: deps.nocEmails,
      subject: `[wanwatch] ${periodLabel(kind)} fleet uptime: ${f.deviceCount} devices, internet ${formatPct(f.internet.availabilityPct)} (${formatTime(fromMs).slice(0, 10)} – ${formatTime(toMs).slice(0, 10)})`,
      ...withShareLinks({ text: fleetText(f), html: fleetHtml(f) }, links),
      messageId: `<${reportRunKey('fleet', kind, fromMs)}@wanwatch>`,
    });
    deps.logger.info({ kind, fromMs, toMs, devices: f.deviceCount }, 'fleet uptime report mailed');
  }

  const worker = new Worker<ReportJob>(QUEUES.reports, process, { prefix: deps.prefix, connection, concurrency: 2 });
  worker.on('failed', (job, err) =>
    deps.logger.warn({ jobId: job?.id, attemptsMade: job?.attemptsMade, err }, 'uptime report job failed'),
  );
  worker.on('error', (err) => deps.logger.error({ err }, 'uptime report worker error'));
  return {
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
