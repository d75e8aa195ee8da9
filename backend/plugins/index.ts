import { dashboardsPlugin } from '../../dashboards/index.ts';
import type { AlertingOptions } from '../../alerting/index.ts';
import type { PluginFactory } from '../plugin.ts';
import { alertingPlugin } from './alerting.ts';
import { consolePlugin } from './console.ts';
import { ingestPlugin } from './ingest.ts';
import { reportsPlugin, scheduledReportsPlugin } from './reports.ts';

export { alertingPlugin, consolePlugin, ingestPlugin, reportsPlugin, scheduledReportsPlugin };

/** The dashboards routes, and the Grafana sync on device changes when Grafana is configured. */
export const dashboardsPluginFactory: PluginFactory = (ctx) => dashboardsPlugin(ctx);

/**
 * Every part of the backend, in mounting order (`wanwatch serve` and `wanwatch up`). Ingest comes
 * first: it serves HTTP, and is stopped last (its writes drain after the others stopped).
 */
export function backendPlugins(o: { alertingOptions?: Partial<AlertingOptions> } = {}): PluginFactory[] {
  return [
    ingestPlugin,
    alertingPlugin({ options: o.alertingOptions }),
    reportsPlugin,
    scheduledReportsPlugin,
    dashboardsPluginFactory,
    consolePlugin,
  ];
}
