/**
 * reports/ — uptime and SLA reports computed exactly from the transitions the devices recorded.
 * Public surface used by the composition root (`wanwatch serve`) and the CLI.
 */
import type { ConnectionOptions } from 'bullmq';
import type { Router } from 'express';
import type { InfluxDB } from 'influx';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { linkMaker, loadLinkKey, type RedisKeys } from '../store/index.ts';
import { createInfluxHistory } from './adapters/influx-history.ts';
import { createDeviceRegistry } from '../store/index.ts';
import { createReportTargets } from './adapters/report-targets.ts';
import { reportTargetsHttpApi, uptimeHttpApi } from './router.ts';
import { shareLinksHttpApi, sharedReportsPages } from './share-links.ts';
import {
  startScheduledReports as startScheduled,
  type ReportMailer,
  type ReportSchedule,
  type ScheduledReports,
} from './scheduled-reports.ts';
import { createUptimeService, type UptimeService } from './uptime-service.ts';

export { computeDeviceUptime } from './core/compute-uptime.ts';
export { computeFleetUptime } from './core/fleet.ts';
export type * from './core/types.ts';
export { deviceCsv, fleetCsv } from './render/csv.ts';
export { deviceHtml, fleetHtml } from './render/html.ts';
export { deviceText, fleetText } from './render/text.ts';
export { parsePeriodQuery, parseTime } from './period.ts';
export { createReportTargets, reportTargetSchema, type ReportTargets } from './adapters/report-targets.ts';
export { formatZoned, lastFullPeriod } from './core/zoned-time.ts';
export { lifetimeMs, makeShareLink, type ShareLink } from './share-links.ts';
export { DEFAULT_REPORT_SCHEDULE, parseReportSchedule, reportScheduleSchema } from './scheduled-reports.ts';
export type { ReportMailer, ReportSchedule, ScheduledReports, UptimeService };

export interface ReportsDeps {
  /** node-influx client bound to the wanwatch database. */
  influx: InfluxDB;
  redis: Redis;
  keys: RedisKeys;
  logger: Logger;
  nowMs?: () => number;
  /** Coverage in % below which availability is not meaningful (default 90). */
  minCoveragePct?: number;
  /** Public base URL of the API (WANWATCH_PUBLIC_URL): share links are absolute with it. */
  publicUrl?: string;
}

/** The uptime service (history from InfluxDB, devices and silences from Redis). */
export function createReportsService(deps: ReportsDeps): UptimeService {
  return createUptimeService({
    history: createInfluxHistory(deps.influx),
    registry: createDeviceRegistry(deps.redis, deps.keys),
    nowMs: deps.nowMs ?? Date.now,
    targets: createReportTargets(deps.redis, deps.keys),
    minCoveragePct: deps.minCoveragePct,
  });
}

/**
 * `GET /devices/:id/uptime`, `GET /uptime` (fleet), the SLA/time-zone table `/report-targets` and
 * `POST /share-links`;
 * mount under /api/v1 (ingest's `routers`).
 */
export function createReportsHttpApi(deps: ReportsDeps): Router {
  const r = uptimeHttpApi(createReportsService(deps), deps.nowMs ?? Date.now);
  r.use(reportTargetsHttpApi(createReportTargets(deps.redis, deps.keys)));
  r.use(
    shareLinksHttpApi({
      service: createReportsService(deps),
      linkKey: () => loadLinkKey(deps.redis, deps.keys.linkKey),
      publicUrl: deps.publicUrl ?? null,
      nowMs: deps.nowMs ?? Date.now,
    }),
  );
  return r;
}

/** The shared uptime reports opened by a signed link (`/share/...`); mount at `/` (ingest's `pages`). */
export function createSharedReportsPages(deps: ReportsDeps): Router {
  return sharedReportsPages({
    service: createReportsService(deps),
    linkKey: () => loadLinkKey(deps.redis, deps.keys.linkKey),
    nowMs: deps.nowMs ?? Date.now,
  });
}

export interface ScheduledReportsOptions extends ReportsDeps {
  /** A worker connection (backend/clients.ts `bullConnection(url)`). */
  connection: ConnectionOptions;
  /** BullMQ key prefix; defaults to `keys.bull`. */
  prefix?: string;
  mailer: ReportMailer;
  /** Recipients of the fleet summary (WANWATCH_ALERT_EMAILS). */
  nocEmails: string[];
  /** Which reports to send when (DEFAULT_REPORT_SCHEDULE: weekly + monthly, device + fleet). */
  schedule: ReportSchedule;
}

/** Starts the report job schedulers and their worker; `close()` at shutdown. */
export function startScheduledReports(opts: ScheduledReportsOptions): Promise<ScheduledReports> {
  return startScheduled({
    connection: opts.connection,
    prefix: opts.prefix ?? opts.keys.bull,
    service: createReportsService(opts),
    registry: createDeviceRegistry(opts.redis, opts.keys),
    mailer: opts.mailer,
    nocEmails: opts.nocEmails,
    logger: opts.logger,
    schedule: opts.schedule,
    ...(opts.publicUrl
      ? { links: async () => linkMaker(opts.publicUrl!, await loadLinkKey(opts.redis, opts.keys.linkKey)) }
      : {}),
  });
}
