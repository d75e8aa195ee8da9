import { availabilityPct, coverageParts, lowCoverageNote, pctOf } from './figures.ts';
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
  minCoveragePct = 90,
): FleetUptime {
  const sum = { onlineMs: 0, offlineMs: 0, unknownMs: 0, maintenanceMs: 0, outageCount: 0, degradedMs: 0 };
  const coverage = { measured: 0, denom: 0 };
  for (const r of reports) {
    sum.onlineMs += r.internet.onlineMs;
    sum.offlineMs += r.internet.offlineMs;
    sum.unknownMs += r.internet.unknownMs;
    sum.maintenanceMs += r.internet.maintenanceMs;
    sum.outageCount += r.internet.outageCount;
    sum.degradedMs += r.internet.degradedMs;
    // Coverage of the fleet: measured time over measurable time, summed over devices.
    const c = coverageParts(r.internet.segments, nowMs);
    coverage.measured += c.measured;
    coverage.denom += c.denom;
  }
  const fleetCoverage = pctOf(coverage);
  return {
    v: 1,
    fromMs,
    toMs,
    generatedAtMs: nowMs,
    deviceCount: reports.length,
    internet: {
      ...sum,
      availabilityPct: availabilityPct(sum.onlineMs, sum.offlineMs),
      coveragePct: fleetCoverage,
      availabilityNote:
        fleetCoverage !== null && fleetCoverage >= minCoveragePct
          ? null
          : lowCoverageNote(fleetCoverage, minCoveragePct),
    },
    devices: [...reports].sort(needsAttentionFirst).map((r) => ({
      deviceId: r.deviceId,
      name: r.name,
      site: r.site,
      timeZone: r.timeZone,
      sla: r.sla,
      internet: summary(r.internet),
      ifaces: r.ifaces.map((i) => ({ iface: i.iface, ...summary(i) })),
    })),
  };
}

/**
 * Fleet order: who needs attention first.
 *
 * | a                         | b                          | first |
 * |---------------------------|----------------------------|-------|
 * | SLA missed                | SLA met / none / unknown   | a     |
 * | availability 98 %         | availability 99.9 %        | a     |
 * | availability meaningful   | not meaningful (coverage)  | a     |
 * | equal                     | equal                      | by device id |
 */
export function needsAttentionFirst(a: DeviceUptime, b: DeviceUptime): number {
  const missed = (r: DeviceUptime) => (r.sla?.met === false ? 0 : 1);
  const avail = (r: DeviceUptime) =>
    r.internet.availabilityNote === null && r.internet.availabilityPct !== null ? r.internet.availabilityPct : Infinity;
  return (
    missed(a) - missed(b) ||
    (avail(a) === avail(b) ? 0 : avail(a) < avail(b) ? -1 : 1) ||
    (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0)
  );
}
