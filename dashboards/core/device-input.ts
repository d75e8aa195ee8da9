import type { DeviceRecord } from '../../store/index.ts';
import type { DeviceDashboardInput } from './device-dashboard.ts';
import { deviceDashboardUid, siteFolder } from './names.ts';

/**
 * Which interfaces get panels: those the device reported (InfluxDB tag values) plus those its
 * multiWanV2 configures (so a link that has not reported yet, e.g. a dead one, still shows up).
 * Order: the multiWanV2 `wanInterfaces` order, then other configured ones, then reported-only ones
 * alphabetically, so panels do not move around between syncs.
 *
 * | multiWan                     | reported         | ifaces                  |
 * |------------------------------|------------------|-------------------------|
 * | null                         | [wanb, wan]      | [wan, wanb]             |
 * | wanInterfaces [wanb, wan]    | [wan, lte]       | [wanb, wan, lte]        |
 * | config {wan, lte}, list null | []               | [lte, wan] (key order)  |
 */
export function deviceIfaces(record: Pick<DeviceRecord, 'multiWan'>, reported: string[]): string[] {
  const out: string[] = [];
  const add = (i: string) => {
    if (i && !out.includes(i)) out.push(i);
  };
  const mw = record.multiWan;
  for (const i of mw?.wanInterfaces ?? []) add(i);
  for (const i of Object.keys(mw?.wanInterfacesConfig ?? {}).sort()) add(i);
  for (const i of [...reported].sort()) add(i);
  return out;
}

export function deviceDashboardInput(
  record: DeviceRecord,
  reportedIfaces: string[],
  policies: string[],
): DeviceDashboardInput {
  return {
    deviceId: record.id,
    name: record.name || record.id,
    site: record.site,
    ifaces: deviceIfaces(record, reportedIfaces),
    policies: [...new Set(policies)].sort(),
  };
}

/** Where a device's dashboard goes: its site's folder, under its stable uid. */
export function devicePlacement(record: Pick<DeviceRecord, 'id' | 'site'>) {
  return { uid: deviceDashboardUid(record.id), folder: siteFolder(record.site) };
}
