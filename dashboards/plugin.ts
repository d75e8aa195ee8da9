import type { Router } from 'express';
import type { InfluxDB } from 'influx';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { RedisKeys } from '../store/index.ts';
import { dashboardOptionsFromEnv, type DashboardOptions } from './dashboard-set.ts';
import { createDeviceInfoWriter } from './device-info.ts';
import { createInventory, type RegistryRedis } from './inventory.ts';
import { createDashboardsHttpApi } from './router.ts';
import { createDashboardSyncer } from './sync-scheduler.ts';

/**
 * Dashboards as a backend plugin (structurally the `PluginFactory` of backend/plugin.ts, which this
 * folder may not import; backend/plugins/index.ts wires it): the read routes always; `wan_device_info` written on every device change
 * (the dashboards read names and sites from it); the Grafana sync on device changes only when
 * WANWATCH_GRAFANA_URL and WANWATCH_GRAFANA_TOKEN are set.
 */
export function dashboardsPlugin(ctx: {
  config: { grafanaUrl?: string; grafanaToken?: string };
  influx: InfluxDB;
  redis: RegistryRedis;
  keys: RedisKeys;
  logger: Logger;
  options?: DashboardOptions;
}): {
  name: string;
  routers: Router[];
  onDeviceChanged?: (id: string) => void;
  stop: () => Promise<void>;
  registry?: Registry;
} {
  const options = ctx.options ?? dashboardOptionsFromEnv();
  const inventory = createInventory(ctx);
  const router = createDashboardsHttpApi({ ...ctx, inventory, options });
  const info = createDeviceInfoWriter({ influx: ctx.influx, inventory, logger: ctx.logger });
  const { grafanaUrl, grafanaToken } = ctx.config;
  if (!grafanaUrl || !grafanaToken) {
    if (grafanaUrl || grafanaToken)
      ctx.logger.warn(
        'dashboards: set both WANWATCH_GRAFANA_URL and WANWATCH_GRAFANA_TOKEN to sync dashboards to Grafana',
      );
    return {
      name: 'dashboards',
      routers: [router],
      onDeviceChanged: (id) => info.schedule(id),
      stop: () => info.close(),
    };
  }
  const syncer = createDashboardSyncer({ grafanaUrl, grafanaToken, inventory, logger: ctx.logger, options });
  return {
    name: 'dashboards',
    routers: [router],
    onDeviceChanged: (id) => {
      info.schedule(id);
      syncer.schedule(id);
    },
    stop: async () => {
      await info.close();
      await syncer.close();
    },
    registry: syncer.registry,
  };
}
