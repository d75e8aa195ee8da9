import { availabilityPct } from './figures.ts';
import type { DeviceUptime, FleetUptime, UptimeFigures } from './types.ts';

function summary(f: UptimeFigures): Omit<UptimeFigures, 'segments' | 'outages'> {
  const { segments: _s, outages: _o, ...rest } = f;
  return rest;
}

/** The fleet report: each device's headline figures and their sums (availability of the summed time). */
export function computeFleetUptime(
  reports: readonly DeviceUptime[],
  fromMs: number,
  toMs: number,
  nowMs: number,
): FleetUptime {
  const sum = { onlineMs: 0, offlineMs: 0, unknownMs: 0, maintenanceMs: 0, outageCount: 0 };
  for (const r of reports) {
    sum.onlineMs += r.internet.onlineMs;
    sum.offlineMs += r.internet.offlineMs;
    sum.unknownMs += r.internet.unknownMs;
    sum.maintenanceMs += r.internet.maintenanceMs;
    sum.outageCount += r.internet.outageCount;
  }
  return {
    v: 1,
    fromMs,
    toMs,
    generatedAtMs: nowMs,
    deviceCount: reports.length,
    internet: { ...sum, availabilityPct: availabilityPct(sum.onlineMs, sum.offlineMs) },
    devices: reports.map((r) => ({
      deviceId: r.deviceId,
      name: r.name,
      site: r.site,
      internet: summary(r.internet),
      ifaces: r.ifaces.map((i) => ({ iface: i.iface, ...summary(i) })),
    })),
  };
}
