import type { IfaceState } from '../../contract/index.ts';
import type { SpoolEntry, SpoolStats } from '../spool/index.ts';
import type { ReporterLogger } from '../spool/logger.ts';
import type { Prober } from '../tracker/prober.ts';
import type { ReportTransport } from '../uploader/http-transport.ts';
import type { UploadRoute } from '../uploader/routes.ts';
import type { UploaderOptions, UploaderStats } from '../uploader/uploader.ts';
import type { HotplugEvent } from './hotplug-listener.ts';
import type { IpRunner } from './source-rules.ts';

/** What `startReporter` (reporter.ts) takes and returns. */
export interface ReporterOptions {
  serverUrl: string;
  deviceId: string;
  token: string;
  mwan3ConfigPath: string;
  /** Optional: without it probes are not bound to a device and uploads use the default route only. */
  networkConfigPath?: string;
  spoolDir: string;
  spoolMaxBytes?: number;
  source?: 'native' | 'mwan3';
  policyIntervalMs?: number;
  flushTimeoutMs?: number;
  /** Install `ip rule from <WAN address> lookup <mwan3 table>` per WAN (see source-rules.ts). Default false. */
  sourceRules?: boolean;
  uploader?: Partial<UploaderOptions>;
  agent?: string;
}

export interface ReporterDeps {
  logger: ReporterLogger;
  /** Probes (the lead's demo passes simulated links); default: ping/tcp bound to each device. */
  prober?: Prober;
  transport?: ReportTransport;
  /** Upload routes; default: one per tracked WAN bound to its device's address, plus `default`. */
  routes?: () => UploadRoute[];
  readFile?: (path: string) => string;
  nowMs?: () => number;
  /** `--source mwan3`: reads `ubus call mwan3 status` (injected in tests). */
  readMwan3Status?: () => Promise<unknown>;
  /** Runs `ip …` for source rules (tests). */
  ip?: IpRunner;
  /** Called after each record is durably numbered in the spool (tests, the demo's counters). */
  onSpooled?: (entry: SpoolEntry) => void;
}

export interface RunningReporter {
  readonly bootId: string;
  reload(): Promise<void>;
  stop(): Promise<void>;
  /** netifd hotplug (normally via the spool dir's hotplug/ files; exposed for tests and the demo). */
  hotplug(ev: HotplugEvent): Promise<void>;
  stats(): {
    spool: SpoolStats;
    uploader: UploaderStats;
    states: Record<string, IfaceState>;
    /** Records appended to the spool by this run. */
    recorded: number;
  };
}
