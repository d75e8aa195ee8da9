/**
 * Grafana dashboards for wanwatch: generated per CE device and for the fleet, served over HTTP,
 * exported as a provisioning set and synced to a Grafana server. See docs/dashboards.md.
 */
export { createDashboardsRouter, type DashboardsRouterDeps } from './router.ts';
export { dashboardsPlugin } from './plugin.ts';
export { createDashboardSyncer, type DashboardSyncer, type DashboardSyncerDeps } from './syncer.ts';
export { createInventory, type DashboardInventory, type RegistryRedis } from './inventory.ts';
export { allDashboards, deviceDashboard, fleetDashboard, type PlacedDashboard, type Folder } from './dashboard-set.ts';
export { exportDashboards, type ExportResult } from './export.ts';
export { syncDashboards, type SyncReport, type DashboardOutcome } from './sync.ts';
export { createGrafanaClient, GrafanaError, type GrafanaClient, type GrafanaErrorKind } from './grafana-client.ts';
export { buildDeviceDashboard, deviceQueries, type DeviceDashboardInput } from './core/device-dashboard.ts';
export { buildFleetDashboard, fleetQueries, type FleetDevice } from './core/fleet-dashboard.ts';
export { DATASOURCE, DATASOURCE_UID, FLEET_UID, deviceDashboardUid, siteFolder } from './core/names.ts';
export { datasourceYaml, dashboardProvidersYaml } from './core/provisioning.ts';
