import { ProblemError } from '../contract/index.ts';
import { intervals, silencesForDevice, type DeviceRecord, type Silence } from '../store/index.ts';
import { computeDeviceUptime } from './core/compute-uptime.ts';
import { computeFleetUptime } from './core/fleet.ts';
import type { DeviceUptime, FleetUptime, SilenceIn } from './core/types.ts';
import type { DeviceHistory, HistorySource } from './adapters/influx-history.ts';
import { effectiveTarget, type ReportTarget, type ReportTargets } from './adapters/report-targets.ts';
import type { DeviceRegistry } from '../store/index.ts';

/** What a report reads of the device registry: the devices (names, sites) and their silences. */
type DevicesAndSilences = Pick<DeviceRegistry, 'device' | 'devices' | 'silences'>;

export interface UptimeServiceDeps {
  history: HistorySource;
  registry: DevicesAndSilences;
  nowMs: () => number;
  /** SLA targets and time zones (absent: none, UTC). */
  targets?: Pick<ReportTargets, 'all' | 'resolve'>;
  /** Coverage below which availability is not meaningful (WANWATCH_REPORT_MIN_COVERAGE_PCT). */
  minCoveragePct?: number;
}

export interface UptimeService {
  /** Throws ProblemError('not_found') for a device that is not registered. */
  device(deviceId: string, fromMs: number, toMs: number, timeZone?: string): Promise<DeviceUptime>;
  fleet(fromMs: number, toMs: number): Promise<FleetUptime>;
  /** The device's (or its site's) IANA zone, `UTC` without one; ProblemError('not_found') if unregistered. */
  timeZoneOf(deviceId: string): Promise<string>;
}

/** The device's maintenance time in the period: its silences (device, site, fleet; one-off or weekly) as windows. */
function silencesFor(
  all: readonly Silence[],
  d: Pick<DeviceRecord, 'id' | 'site'>,
  fromMs: number,
  toMs: number,
): SilenceIn[] {
  return silencesForDevice(all, d.id, d.site).flatMap((s) =>
    intervals(s, fromMs, toMs).map((i) => ({ startMs: i.startMs, endMs: i.endMs, iface: s.iface })),
  );
}

/** The I/O shell around the pure core: loads history, devices, silences and targets, then computes. */
export function createUptimeService(deps: UptimeServiceDeps): UptimeService {
  const compute = (
    d: Pick<DeviceRecord, 'id' | 'name' | 'site'>,
    h: DeviceHistory | undefined,
    silences: readonly Silence[],
    period: { fromMs: number; toMs: number; nowMs: number },
    target: { slaTargetPct: number | null; timeZone: string },
  ) =>
    computeDeviceUptime(
      {
        deviceId: d.id,
        ...period,
        transitions: h?.transitions ?? [],
        deviceStates: h?.deviceStates ?? [],
        runEnds: h?.runEnds,
        quality: h?.quality,
        silences: silencesFor(silences, d, period.fromMs, period.toMs),
      },
      { name: d.name, site: d.site, ...target, minCoveragePct: deps.minCoveragePct ?? 90 },
    );
  const resolve = (deviceId: string, site: string | null) =>
    deps.targets ? deps.targets.resolve(deviceId, site) : Promise.resolve(effectiveTarget(undefined, undefined));
  return {
    async timeZoneOf(deviceId) {
      const record = await deps.registry.device(deviceId);
      if (!record) throw new ProblemError('not_found', `device "${deviceId}" is not registered`);
      return (await resolve(deviceId, record.site)).timeZone;
    },
    async device(deviceId, fromMs, toMs, timeZone) {
      const [record, silences, history] = await Promise.all([
        deps.registry.device(deviceId),
        deps.registry.silences(),
        deps.history.load(fromMs, toMs, deviceId),
      ]);
      if (!record) throw new ProblemError('not_found', `device "${deviceId}" is not registered`);
      const target = await resolve(deviceId, record.site);
      const period = { fromMs, toMs, nowMs: deps.nowMs() };
      return compute(record, history.get(deviceId), silences, period, {
        ...target,
        timeZone: timeZone ?? target.timeZone,
      });
    },
    async fleet(fromMs, toMs) {
      const [devices, silences, history, targets] = await Promise.all([
        deps.registry.devices(),
        deps.registry.silences(),
        deps.history.load(fromMs, toMs),
        deps.targets?.all() ?? [],
      ]);
      // Device ids and site names are data: looked up in Maps, never as object keys.
      const own = new Map<string, ReportTarget>();
      const bySite = new Map<string, ReportTarget>();
      for (const t of targets) (t.scope === 'device' ? own : bySite).set(t.id, t);
      const nowMs = deps.nowMs();
      const reports = devices.map((d) =>
        compute(
          d,
          history.get(d.id),
          silences,
          { fromMs, toMs, nowMs },
          effectiveTarget(own.get(d.id), d.site === null ? undefined : bySite.get(d.site)),
        ),
      );
      return computeFleetUptime(reports, fromMs, toMs, nowMs, deps.minCoveragePct ?? 90);
    },
  };
}
