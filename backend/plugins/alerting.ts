import { createAckLinksPages, createAlerting, type AlertingOptions } from '../../alerting/index.ts';
import { linkMaker, loadLinkKey } from '../../store/index.ts';
import { deviceDashboardUid } from '../../dashboards/index.ts';
import type { PluginFactory } from '../plugin.ts';

/** How long the acknowledgement and report links of a message stay valid (reminders bring fresh ones). */
const ACK_LINK_LIFETIME_MS = 7 * 86_400_000;

/**
 * Alerting as a plugin: its routes (silences, notifications, quarantine) for api roles, its
 * workers (device events, timers, notify) for worker roles, sending through the host's mailer.
 * Emails link to the device's dashboard when WANWATCH_GRAFANA_URL is set, and carry signed
 * acknowledgement and report links when WANWATCH_PUBLIC_URL is (the pages those open: `/ack/...`).
 * `options` (tests) override the configured tunables.
 */
export function alertingPlugin(o: { options?: Partial<AlertingOptions> } = {}): PluginFactory {
  return (ctx) => {
    const { config } = ctx;
    const grafana = config.grafanaUrl?.replace(/\/+$/, '');
    const makeLinks = async () => linkMaker(config.publicUrl!, await loadLinkKey(ctx.redis, ctx.keys.linkKey));
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
      ...(config.publicUrl ? { links: { maker: makeLinks, lifetimeMs: ACK_LINK_LIFETIME_MS } } : {}),
      logger: ctx.logger,
      options: { ...config.alerting, ...o.options },
    });
    return {
      name: 'alerting',
      routers: [alerting.router],
      pages:
        ctx.role === 'worker'
          ? []
          : [createAckLinksPages({ influx: ctx.influx, redis: ctx.redis, redisPrefix: config.redisPrefix })],
      registry: alerting.registry,
      start: () => alerting.startWorkers(),
      stop: () => alerting.close(),
    };
  };
}
