import {
  createReportsHttpApi,
  createSharedReportsPages,
  startScheduledReports,
  type ScheduledReports,
} from '../../reports/index.ts';
import type { PluginFactory } from '../plugin.ts';

/**
 * The uptime reports API (`GET /devices/:id/uptime`, `GET /uptime`, `/report-targets`,
 * `POST /share-links`) and the shared reports a signed link opens (`/share/...`, no token).
 */
export const reportsPlugin: PluginFactory = (ctx) => {
  const deps = {
    influx: ctx.influx,
    redis: ctx.redis,
    keys: ctx.keys,
    logger: ctx.logger,
    minCoveragePct: ctx.config.reportMinCoveragePct,
    ...(ctx.config.publicUrl ? { publicUrl: ctx.config.publicUrl } : {}),
  };
  return { name: 'reports', routers: [createReportsHttpApi(deps)], pages: [createSharedReportsPages(deps)] };
};

/**
 * Scheduled uptime report emails (WANWATCH_REPORT_SCHEDULE) as their own plugin (worker roles),
 * sending through the host's mailer. The schedule is applied on every start: entries that are off
 * are removed from Redis, so `off` turns earlier schedules off.
 */
export const scheduledReportsPlugin: PluginFactory = (ctx) => {
  let running: ScheduledReports | undefined;
  const schedule = ctx.config.reportSchedule;
  return {
    name: 'scheduled-reports',
    async start() {
      if (!schedule) return;
      running = await startScheduledReports({
        influx: ctx.influx,
        redis: ctx.redis,
        keys: ctx.keys,
        logger: ctx.logger,
        connection: ctx.bullConnection(),
        mailer: ctx.mailer,
        nocEmails: ctx.config.alertEmails,
        schedule,
        minCoveragePct: ctx.config.reportMinCoveragePct,
        ...(ctx.config.publicUrl ? { publicUrl: ctx.config.publicUrl } : {}),
      });
    },
    stop: async () => {
      await running?.close();
    },
  };
};
