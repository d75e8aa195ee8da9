import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import type { DeviceRecord } from '../store/index.ts';
import { buildDeviceDashboard } from './core/device-dashboard.ts';
import { buildFleetDashboard } from './core/fleet-dashboard.ts';
import { deviceDashboardInput, fleetDevice } from './core/device-input.ts';
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

export async function deviceDashboard(inv: DashboardInventory, record: DeviceRecord): Promise<PlacedDashboard> {
  const r = await inv.reported(record.id);
  return {
    folder: siteFolder(record.site),
    dashboard: buildDeviceDashboard(deviceDashboardInput(record, r.ifaces, r.policies)),
  };
}

export function fleetDashboard(records: DeviceRecord[]): PlacedDashboard {
  return { folder: DEFAULT_FOLDER, dashboard: buildFleetDashboard(records.map(fleetDevice)) };
}

/** The fleet dashboard first, then one per registered device. */
export async function allDashboards(inv: DashboardInventory): Promise<PlacedDashboard[]> {
  const records = await inv.listDevices();
  const devices = await Promise.all(records.map((r) => deviceDashboard(inv, r)));
  return [fleetDashboard(records), ...devices];
}
