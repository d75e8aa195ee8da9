import { ProblemError } from '../contract/index.ts';
import type { Silence } from '../store/index.ts';
import { computeDeviceUptime } from './core/compute-uptime.ts';
import { computeFleetUptime } from './core/fleet.ts';
import type { DeviceUptime, FleetUptime, SilenceIn } from './core/types.ts';
import type { HistorySource } from './adapters/influx-history.ts';
import type { DeviceRegistry } from '../store/index.ts';

/** What the reports read of the device registry. */
type Registry = Pick<DeviceRegistry, 'device' | 'devices' | 'silences'>;

export interface UptimeServiceDeps {
  history: HistorySource;
  registry: Registry;
  nowMs: () => number;
}

export interface UptimeService {
  /** Throws ProblemError('not_found') for a device that is not registered. */
  device(deviceId: string, fromMs: number, toMs: number): Promise<DeviceUptime>;
  fleet(fromMs: number, toMs: number): Promise<FleetUptime>;
}

function silencesFor(all: readonly Silence[], deviceId: string): SilenceIn[] {
  return all
    .filter((s) => s.deviceId === null || s.deviceId === deviceId)
    .map((s) => ({ startMs: s.startMs, endMs: s.endMs, iface: s.iface }));
}

/** The I/O shell around the pure core: loads history, devices and silences, then computes. */
export function createUptimeService(deps: UptimeServiceDeps): UptimeService {
  return {
    async device(deviceId, fromMs, toMs) {
      const [record, silences, history] = await Promise.all([
        deps.registry.device(deviceId),
        deps.registry.silences(),
        deps.history.load(fromMs, toMs, deviceId),
      ]);
      if (!record) throw new ProblemError('not_found', `device "${deviceId}" is not registered`);
      const h = history.get(deviceId) ?? { transitions: [], deviceStates: [] };
      return computeDeviceUptime(
        {
          deviceId,
          fromMs,
          toMs,
          nowMs: deps.nowMs(),
          transitions: h.transitions,
          deviceStates: h.deviceStates,
          runEnds: h.runEnds,
          silences: silencesFor(silences, deviceId),
        },
        { name: record.name, site: record.site },
      );
    },
    async fleet(fromMs, toMs) {
      const [devices, silences, history] = await Promise.all([
        deps.registry.devices(),
        deps.registry.silences(),
        deps.history.load(fromMs, toMs),
      ]);
      const nowMs = deps.nowMs();
      const reports = devices.map((d) => {
        const h = history.get(d.id) ?? { transitions: [], deviceStates: [] };
        return computeDeviceUptime(
          {
            deviceId: d.id,
            fromMs,
            toMs,
            nowMs,
            transitions: h.transitions,
            deviceStates: h.deviceStates,
            runEnds: h.runEnds,
            silences: silencesFor(silences, d.id),
          },
          { name: d.name, site: d.site },
        );
      });
      return computeFleetUptime(reports, fromMs, toMs, nowMs);
    },
  };
}
