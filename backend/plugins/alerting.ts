import { createAlerting, type AlertingOptions } from '../../alerting/index.ts';
import { deviceDashboardUid } from '../../dashboards/index.ts';
import type { PluginFactory } from '../plugin.ts';

/**
 * Alerting as a plugin: its routes (silences, notifications, quarantine) for api roles, its
 * workers (device events, timers, notify) for worker roles, sending through the host's mailer.
 * Emails link to the device's dashboard when WANWATCH_GRAFANA_URL is set. `options` (tests)
 * override the configured tunables.
 */
export function alertingPlugin(o: { options?: Partial<AlertingOptions> } = {}): PluginFactory {
  return (ctx) => {
    const { config } = ctx;
    const grafana = config.grafanaUrl?.replace(/\/+$/, '');
    const alerting = createAlerting({
      influx: ctx.influx,
      redis: ctx.workerRedis(),
      redisPrefix: config.redisPrefix,
      mailer: ctx.mailer,
      nocEmails: config.alertEmails,
      ...(config.receiverSetup ? { receivers: { setup: () => config.receiverSetup! } } : {}),
      ...(grafana
        ? { grafanaUrl: grafana, dashboardUrl: (id: string) => `${grafana}/d/${deviceDashboardUid(id)}` }
        : {}),
      logger: ctx.logger,
      options: { ...config.alerting, ...o.options },
    });
    return {
      name: 'alerting',
      routers: [alerting.router],
      registry: alerting.registry,
      start: () => alerting.startWorkers(),
      stop: () => alerting.close(),
    };
  };
}
