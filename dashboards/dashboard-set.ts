import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import type { DeviceRecord } from '../store/index.ts';
import { buildDeviceDashboard, buildTemplatedDeviceDashboard } from './core/device-dashboard.ts';
import { buildFleetDashboard } from './core/fleet-dashboard.ts';
import { deviceDashboardInput } from './core/device-input.ts';
import { DEFAULT_GRAFANA, parseGrafanaMajor, type GrafanaMajor } from './core/grafana-version.ts';
import { DEFAULT_FOLDER, siteFolder } from './core/names.ts';
import type { DashboardInventory } from './inventory.ts';

export interface Folder {
  uid: string;
  title: string;
}

/** A dashboard and the folder it belongs in. */
export interface PlacedDashboard {
  folder: Folder;
  dashboard: Dashboard;
}

/** `auto`: per-device dashboards too while the fleet has at most `perDeviceMax` devices. */
export type PerDeviceMode = 'auto' | 'always' | 'never';

export interface DashboardOptions {
  grafanaVersion: GrafanaMajor;
  perDevice: PerDeviceMode;
  perDeviceMax: number;
}

/** Beyond this many devices, one generated dashboard each is more clutter (and sync) than help. */
export const PER_DEVICE_AUTO_MAX = 50;
export const DEFAULT_DASHBOARD_OPTIONS: DashboardOptions = {
  grafanaVersion: DEFAULT_GRAFANA,
  perDevice: 'auto',
  perDeviceMax: PER_DEVICE_AUTO_MAX,
};

/**
 * Settings from the environment (`wanwatch serve|up|dashboards`); a bad value throws a message
 * naming the variable.
 */
export function dashboardOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DashboardOptions {
  let grafanaVersion: GrafanaMajor;
  try {
    grafanaVersion = parseGrafanaMajor(env.WANWATCH_GRAFANA_VERSION);
  } catch (e) {
    throw new Error(`WANWATCH_GRAFANA_VERSION: ${(e as Error).message}`);
  }
  const mode = env.WANWATCH_DASHBOARDS_PER_DEVICE?.trim() || 'auto';
  if (mode !== 'auto' && mode !== 'always' && mode !== 'never')
    throw new Error(`WANWATCH_DASHBOARDS_PER_DEVICE: auto, always or never (not ${JSON.stringify(mode)})`);
  return { ...DEFAULT_DASHBOARD_OPTIONS, grafanaVersion, perDevice: mode };
}

/**
 * | perDevice | devices ≤ perDeviceMax | per-device dashboards |
 * |-----------|------------------------|-----------------------|
 * | always    | any                    | yes                   |
 * | never     | any                    | no                    |
 * | auto      | yes                    | yes                   |
 * | auto      | no                     | no                    |
 */
export function perDeviceEnabled(deviceCount: number, o: DashboardOptions): boolean {
  return o.perDevice === 'always' || (o.perDevice === 'auto' && deviceCount <= o.perDeviceMax);
}

export async function deviceDashboard(
  inv: DashboardInventory,
  record: DeviceRecord,
  o: DashboardOptions = DEFAULT_DASHBOARD_OPTIONS,
): Promise<PlacedDashboard> {
  const r = await inv.reported(record.id);
  return {
    folder: siteFolder(record.site),
    dashboard: buildDeviceDashboard(deviceDashboardInput(record, r.ifaces, r.policies), o.grafanaVersion),
  };
}

/** The fleet and the templated device dashboard: the same JSON whatever the fleet. */
export function sharedDashboards(o: DashboardOptions = DEFAULT_DASHBOARD_OPTIONS): PlacedDashboard[] {
  return [
    { folder: DEFAULT_FOLDER, dashboard: buildFleetDashboard(o.grafanaVersion) },
    { folder: DEFAULT_FOLDER, dashboard: buildTemplatedDeviceDashboard(o.grafanaVersion) },
  ];
}

/** The fleet and templated dashboards first, then one per registered device when enabled. */
export async function allDashboards(
  inv: DashboardInventory,
  o: DashboardOptions = DEFAULT_DASHBOARD_OPTIONS,
  records?: DeviceRecord[],
): Promise<PlacedDashboard[]> {
  const list = records ?? (await inv.listDevices());
  const devices = perDeviceEnabled(list.length, o)
    ? await Promise.all(list.map((r) => deviceDashboard(inv, r, o)))
    : [];
  return [...sharedDashboards(o), ...devices];
}
