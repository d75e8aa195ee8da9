import type { Family } from '../../contract/index.ts';

/**
 * Every `config interface` option of mwan3 that affects tracking, with units in the names, plus
 * our warn thresholds (not in mwan3). Defaults: `MWAN3_TRACKING_DEFAULTS` (docs/mwan3-reference.md, "Tracking options and defaults").
 */
export interface TrackingOptions {
  family: Family;
  trackMethod: string;
  /** Targets, probed in this order. */
  trackIps: string[];
  reliability: number;
  count: number;
  sizeBytes: number;
  maxTtl: number;
  timeoutS: number;
  intervalS: number;
  failureIntervalS: number;
  recoveryIntervalS: number;
  keepFailureInterval: boolean;
  down: number;
  up: number;
  initialState: 'online' | 'offline';
  checkQuality: boolean;
  failureLatencyMs: number;
  recoveryLatencyMs: number;
  failureLossPct: number;
  recoveryLossPct: number;
  /** TCP port for `track_method tcp` (our extension, option `track_port`). */
  trackPort: number;
  /** Warn thresholds for the `degraded` flag (our extension); null = off (default). */
  warnRttMs: number | null;
  warnLossPct: number | null;
}

/** mwan3track's defaults (`main`); failure/recovery intervals default to `interval` (see `withDefaults`). */
export const MWAN3_TRACKING_DEFAULTS: Readonly<Omit<TrackingOptions, 'failureIntervalS' | 'recoveryIntervalS'>> = {
  family: 'ipv4',
  trackMethod: 'ping',
  trackIps: [],
  reliability: 1,
  count: 1,
  sizeBytes: 56,
  maxTtl: 60,
  timeoutS: 4,
  intervalS: 10,
  keepFailureInterval: false,
  down: 5,
  up: 5,
  initialState: 'online',
  checkQuality: false,
  failureLatencyMs: 1000,
  recoveryLatencyMs: 500,
  failureLossPct: 40,
  recoveryLossPct: 10,
  trackPort: 443,
  warnRttMs: null,
  warnLossPct: null,
};

/** Fills unset options with mwan3's defaults; `failure_interval`/`recovery_interval` fall back to `interval`. */
export function withDefaults(partial: Partial<TrackingOptions>): TrackingOptions {
  const base = { ...MWAN3_TRACKING_DEFAULTS, ...partial };
  return {
    ...base,
    failureIntervalS: partial.failureIntervalS ?? base.intervalS,
    recoveryIntervalS: partial.recoveryIntervalS ?? base.intervalS,
  };
}
