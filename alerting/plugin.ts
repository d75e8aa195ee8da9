import { join } from 'node:path';
import type { Router } from 'express';
import type { InfluxDB } from 'influx';
import type { Logger } from 'pino';
import { createAlerting, type AlertingOptions } from './index.ts';

/**
 * Alerting as a backend plugin: structurally the `PluginFactory` of ingest/backend.ts (which this
 * folder may not import). Routes for api roles, workers for worker roles. Without
 * WANWATCH_SMTP_URL, mail goes to `<dataDir>/outbox/*.eml`. `dashboardUrl` is passed in by the
 * composition root (it knows the dashboards part's uid scheme), e.g.
 * `(id) => grafanaUrl + deviceDashboardPath(id)`.
 */
export function alertingPlugin(
  extra: { dashboardUrl?: (deviceId: string) => string; options?: Partial<AlertingOptions> } = {},
) {
  return (ctx: {
    config: {
      redisUrl: string;
      redisPrefix: string;
      smtpUrl?: string;
      mailFrom: string;
      alertEmails: string[];
      grafanaUrl?: string;
      dataDir: string;
    };
    role: 'all' | 'api' | 'worker';
    influx: InfluxDB;
    logger: Logger;
  }): { name: string; routers: Router[]; start: () => Promise<void>; stop: () => Promise<void> } => {
    const c = ctx.config;
    const alerting = createAlerting({
      influx: ctx.influx,
      redisUrl: c.redisUrl,
      redisPrefix: c.redisPrefix,
      mail: c.smtpUrl
        ? { smtpUrl: c.smtpUrl, from: c.mailFrom }
        : { outboxDir: join(c.dataDir, 'outbox'), from: c.mailFrom },
      nocEmails: c.alertEmails,
      grafanaUrl: c.grafanaUrl,
      dashboardUrl: extra.dashboardUrl,
      logger: ctx.logger,
      options: extra.options,
    });
    return {
      name: 'alerting',
      routers: [alerting.router],
      start: () => (ctx.role === 'api' ? Promise.resolve() : alerting.startWorkers()),
      stop: () => alerting.close(),
    };
  };
}
