import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { BackendContext, BackendPlugin, PluginFactory } from '../ingest/backend.ts';
import { createAlerting, type AlertingOptions } from '../alerting/index.ts';
import {
  createReportsRouter,
  startScheduledReports,
  parseReportSchedule,
  reportScheduleSchema,
  type ReportSchedule,
} from '../reports/index.ts';
import { dashboardsPlugin, deviceDashboardPath } from '../dashboards/index.ts';

/**
 * The composition root's wiring of alerting, reports and dashboards into ingest's backend
 * (`wanwatch serve` and `wanwatch up`). Settings beyond bin/backend-config.ts are read here, with
 * the same strictness: a bad value stops start-up with a message naming the variable.
 */
const extraEnvSchema = z.object({
  WANWATCH_GROUP_WAIT_MS: z.coerce.number().int().min(0).max(600_000).optional(),
  WANWATCH_WATCHDOG_MIN_MS: z.coerce.number().int().min(100).optional(),
  WANWATCH_FLAP_MAX_CHANGES: z.coerce.number().int().min(2).optional(),
  WANWATCH_FLAP_WINDOW_MS: z.coerce.number().int().min(1000).optional(),
  WANWATCH_REMINDER_INTERVAL_MS: z.coerce.number().int().min(0).optional(),
  /** `off`, `weekly`, `monthly`, `weekly,monthly` (= `default`), or a JSON ReportSchedule. */
  WANWATCH_REPORT_SCHEDULE: z.string().default('off'),
});

export interface ExtraSettings {
  alerting: Partial<AlertingOptions>;
  /** Scheduled uptime emails; entries set to false are removed from Redis (so `off` turns them off). Undefined: leave alone. */
  schedule: ReportSchedule | undefined;
}

export function loadExtraSettings(env: NodeJS.ProcessEnv = process.env): ExtraSettings {
  const r = extraEnvSchema.safeParse(env);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`${String(i.path[0])}: ${i.message}`);
  }
  const e = r.data;
  const alerting: Partial<AlertingOptions> = {
    ...(e.WANWATCH_GROUP_WAIT_MS !== undefined ? { groupWaitMs: e.WANWATCH_GROUP_WAIT_MS } : {}),
    ...(e.WANWATCH_WATCHDOG_MIN_MS !== undefined ? { watchdogMinMs: e.WANWATCH_WATCHDOG_MIN_MS } : {}),
    ...(e.WANWATCH_FLAP_MAX_CHANGES !== undefined ? { flapMaxChanges: e.WANWATCH_FLAP_MAX_CHANGES } : {}),
    ...(e.WANWATCH_FLAP_WINDOW_MS !== undefined ? { flapWindowMs: e.WANWATCH_FLAP_WINDOW_MS } : {}),
    ...(e.WANWATCH_REMINDER_INTERVAL_MS !== undefined ? { reminderIntervalMs: e.WANWATCH_REMINDER_INTERVAL_MS } : {}),
  };
  const spec = e.WANWATCH_REPORT_SCHEDULE.trim();
  let schedule: ReportSchedule;
  try {
    schedule = spec.startsWith('{')
      ? reportScheduleSchema.parse(JSON.parse(spec))
      : parseReportSchedule(spec === 'default' ? 'weekly,monthly' : spec);
  } catch (err) {
    throw new Error(
      `WANWATCH_REPORT_SCHEDULE: must be off, weekly, monthly, weekly,monthly (default) or a JSON report schedule (${(err as Error).message.split('\n')[0]})`,
    );
  }
  return { alerting, schedule };
}

export interface PluginOptions {
  extra: ExtraSettings;
  /** Where `.eml` files go when WANWATCH_SMTP_URL is not set (`up`); without it, SMTP is required for email. */
  outboxDir?: string;
  alertingOverrides?: Partial<AlertingOptions>;
}

/** Alerting (+ scheduled report emails through its mailer) as one plugin: they share the SMTP pool. */
function alertingPlugin(o: PluginOptions): PluginFactory {
  return (ctx: BackendContext): BackendPlugin => {
    const { config, logger } = ctx;
    const outboxDir = config.smtpUrl ? undefined : (o.outboxDir ?? join(resolve(config.dataDir), 'outbox'));
    const grafana = config.grafanaUrl?.replace(/\/+$/, '');
    const alerting = createAlerting({
      influx: ctx.influx,
      redisUrl: config.redisUrl,
      redisPrefix: config.redisPrefix,
      mail: {
        ...(config.smtpUrl ? { smtpUrl: config.smtpUrl } : {}),
        ...(outboxDir ? { outboxDir } : {}),
        from: config.mailFrom,
      },
      nocEmails: config.alertEmails,
      ...(grafana ? { grafanaUrl: grafana, dashboardUrl: (id: string) => `${grafana}${deviceDashboardPath(id)}` } : {}),
      logger,
      options: { ...o.extra.alerting, ...o.alertingOverrides },
    });
    let scheduled: { close(): Promise<void> } | undefined;
    return {
      name: 'alerting',
      routers: [alerting.router],
      registry: alerting.registry,
      start: async () => {
        await alerting.startWorkers();
        if (o.extra.schedule) {
          scheduled = await startScheduledReports({
            influx: ctx.influx,
            redis: ctx.redis,
            keys: ctx.keys,
            logger,
            redisUrl: config.redisUrl,
            mailer: alerting.mailer,
            nocEmails: config.alertEmails,
            schedule: o.extra.schedule,
          });
        }
      },
      stop: async () => {
        await scheduled?.close();
        await alerting.close();
      },
    };
  };
}

const reportsPlugin: PluginFactory = (ctx) => ({
  name: 'reports',
  routers: [createReportsRouter({ influx: ctx.influx, redis: ctx.redis, keys: ctx.keys, logger: ctx.logger })],
});

const dashboards: PluginFactory = (ctx) => dashboardsPlugin(ctx);

/** Every part of the backend, in mounting order. */
export function backendPlugins(o: PluginOptions): PluginFactory[] {
  return [alertingPlugin(o), reportsPlugin, dashboards];
}
