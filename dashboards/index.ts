/**
 * Grafana dashboards for wanwatch: generated per CE device and for the fleet, served over HTTP,
 * exported as a provisioning set and synced to a Grafana server. See docs/dashboards.md.
 */
export { createDashboardsHttpApi, type DashboardsHttpApiDeps } from './router.ts';
export { dashboardsPlugin } from './plugin.ts';
export { createDashboardSyncer, type DashboardSyncer, type DashboardSyncerDeps } from './sync-scheduler.ts';
export { createInventory, type DashboardInventory, type RegistryRedis } from './inventory.ts';
export {
  allDashboards,
  deviceDashboard,
  sharedDashboards,
  perDeviceEnabled,
  dashboardOptionsFromEnv,
  DEFAULT_DASHBOARD_OPTIONS,
  PER_DEVICE_AUTO_MAX,
  type DashboardOptions,
  type PerDeviceMode,
  type PlacedDashboard,
  type Folder,
} from './dashboard-set.ts';
export { backfillDeviceInfo, createDeviceInfoWriter, deviceInfoPoint, type DeviceInfoWriter } from './device-info.ts';
export { exportDashboards, type ExportResult } from './export.ts';
export { syncDashboards, type SyncReport, type DashboardOutcome } from './sync-pass.ts';
export { createGrafanaClient, GrafanaError, type GrafanaClient, type GrafanaErrorKind } from './grafana-client.ts';
export {
  buildDeviceDashboard,
  buildTemplatedDeviceDashboard,
  deviceQueries,
  type DeviceDashboardInput,
} from './core/device-dashboard.ts';
export { SUPPORTED_GRAFANA, DEFAULT_GRAFANA, forGrafana, type GrafanaMajor } from './core/grafana-version.ts';
export { buildFleetDashboard, fleetQueries } from './core/fleet-dashboard.ts';
export {
  DATASOURCE,
  DATASOURCE_UID,
  DEVICE_TEMPLATE_UID,
  FLEET_UID,
  deviceDashboardUid,
  deviceDashboardPath,
  siteFolder,
} from './core/names.ts';
export { datasourceYaml, dashboardProvidersYaml } from './core/provisioning.ts';
