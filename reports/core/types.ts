import type { IfaceState } from '../../contract/index.ts';

/** One interface transition as stored in `wan_transition` (decoded). */
export interface TransitionIn {
  timeMs: number;
  iface: string;
  from: IfaceState;
  to: IfaceState;
  /** `start` | `track` | `ifup` | `ifdown` | `stop` | `config` | `mwan3` */
  reason: string;
  bootId: string;
  seq: number;
}

/** One cloud-side reachability change from `wan_device_state`. */
export interface DeviceStateIn {
  timeMs: number;
  state: 'reachable' | 'unreachable';
  /** Last time the device was heard from (set on `unreachable`). */
  lastSeenMs: number | null;
}

/**
 * For a reporter run that began without its predecessor stopping: when the device's last record
 * before that run's first `start` was stored (the last sample of the crashed run).
 */
export interface RunEndIn {
  /** The new run. */
  bootId: string;
  lastRecordBeforeMs: number;
}

/** A maintenance window already known to match the device (`iface` null = every interface). */
export interface SilenceIn {
  startMs: number;
  endMs: number;
  iface: string | null;
}

/**
 * Everything the core needs for one device and one period [fromMs, toMs).
 * `transitions` must contain, per interface, the last transition before `fromMs` (the state in
 * force at the start) and should contain the first one at/after `toMs` (tells whether a device
 * that went dark near the end came back with a new boot). Order does not matter.
 */
export interface UptimeInput {
  deviceId: string;
  fromMs: number;
  toMs: number;
  /** Time after `nowMs` has not happened yet and counts as unknown. */
  nowMs: number;
  transitions: TransitionIn[];
  deviceStates: DeviceStateIn[];
  silences: SilenceIn[];
  /** Interfaces to report even if they never had a transition (all unknown then). */
  extraIfaces?: string[];
  /** Where the reporter crashed: see RunEndIn (absent = not known; no crash window then). */
  runEnds?: RunEndIn[];
  /** Link-quality verdicts (`wan_link_quality`): the one before `fromMs` per link and source, and those inside. */
  quality?: QualityIn[];
}

/** What an instant of a link (or of the site's internet) counts as. */
export type Bucket = 'online' | 'offline' | 'unknown' | 'maintenance';
export type OutageCause = 'link_down' | 'device_unreachable';

/** A stretch of constant bucket; `unreachable` = the cloud could not reach the device then. */
export interface Segment {
  startMs: number;
  endMs: number;
  bucket: Bucket;
  /** The bucket before maintenance was applied (online/offline/unknown). */
  measured: Exclude<Bucket, 'maintenance'>;
  unreachable: boolean;
}

export interface OutagePart {
  startMs: number;
  endMs: number;
  cause: OutageCause;
}

export interface Outage {
  startMs: number;
  endMs: number;
  durationMs: number;
  /** Cause at the outage's start; `parts` tells how it changed. */
  cause: OutageCause;
  parts: OutagePart[];
  /** Still offline at the period's end (ends there). */
  open: boolean;
  /** Began before the period (clipped to its start). */
  clippedStart: boolean;
}

export interface UptimeFigures {
  onlineMs: number;
  offlineMs: number;
  unknownMs: number;
  maintenanceMs: number;
  /** online / (online + offline) in %, rounded to 3 decimals; null when both are 0. */
  availabilityPct: number | null;
  outageCount: number;
  totalOutageMs: number;
  longestOutageMs: number;
  /** Mean time to repair: totalOutageMs / outageCount (null without outages). */
  mttrMs: number | null;
  /** Mean time between failures: onlineMs / outageCount (null without outages). */
  mtbfMs: number | null;
  /** Online but below quality (a fifth part, inside `onlineMs`). */
  degradedMs: number;
  /** Maximal runs of degraded online time. */
  degradedCount: number;
  longestDegradedMs: number;
  /** (online − degraded) ÷ (online + offline) in %, 3 decimals; null when both are 0. */
  qualityAvailabilityPct: number | null;
  /** Measured (online + offline) ÷ (period so far − maintenance) in %; null when nothing could be measured. */
  coveragePct: number | null;
  /** Null when availability is meaningful; otherwise why not (coverage below the threshold). */
  availabilityNote: string | null;
  outages: Outage[];
  segments: Segment[];
}

export interface IfaceUptime extends UptimeFigures {
  iface: string;
}

export interface DeviceUptime {
  v: 1;
  deviceId: string;
  name: string | null;
  site: string | null;
  fromMs: number;
  toMs: number;
  periodMs: number;
  generatedAtMs: number;
  /** IANA zone the period's calendar and the displayed times use. */
  timeZone: string;
  /** The internet row against the device's (or its site's) target; null without a target. */
  sla: SlaResult | null;
  /** Time with at least one WAN online: what a multi-WAN site is bought for. */
  internet: UptimeFigures;
  ifaces: IfaceUptime[];
}

export interface FleetUptime {
  v: 1;
  fromMs: number;
  toMs: number;
  generatedAtMs: number;
  deviceCount: number;
  /** Sum of the devices' internet figures. */
  internet: {
    onlineMs: number;
    offlineMs: number;
    unknownMs: number;
    maintenanceMs: number;
    availabilityPct: number | null;
    outageCount: number;
    degradedMs: number;
    coveragePct: number | null;
    availabilityNote: string | null;
  };
  /** Devices with a missed SLA first, then by worst internet availability (not meaningful last), then id. */
  devices: Array<{
    deviceId: string;
    name: string | null;
    site: string | null;
    timeZone: string;
    sla: SlaResult | null;
    internet: Omit<UptimeFigures, 'segments' | 'outages'>;
    ifaces: Array<{ iface: string } & Omit<UptimeFigures, 'segments' | 'outages'>>;
  }>;
}

/** One link-quality verdict as stored in `wan_link_quality` (or a router-side `warn_*` flag). */
export interface QualityIn {
  timeMs: number;
  iface: string;
  /** Who judged: the cloud's evaluator or the router's own `warn_*` thresholds. */
  source: 'cloud' | 'router';
  degraded: boolean;
}

/** An availability target and how the period did against it. */
export interface SlaResult {
  /** e.g. 99.9 */
  targetPct: number;
  /** null when availability is not meaningful (nothing measured, or coverage below the threshold). */
  met: boolean | null;
  /** Offline time the target allows over the measured time: (100 − target) % of online + offline. */
  allowedDowntimeMs: number;
  /** allowed − offline; negative when the budget is overspent. */
  remainingBudgetMs: number;
}
