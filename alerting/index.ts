/**
 * Alerting: transitions -> incidents -> emails (BullMQ + nodemailer), device watchdog, flap
 * damping, silences, reminders. The composition root (`wanwatch serve`) calls `createAlerting`,
 * mounts `router` under /api/v1 (behind admin auth) and calls `startWorkers()` in worker roles.
 */
import type { Router } from 'express';
import type { InfluxDB } from 'influx';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AlertingSteps } from './device-steps.ts';
import type { AlertingOptions } from './options.ts';
import { resolveAlertingOptions } from './options.ts';
import { createAlertingRuntime } from './runtime.ts';

export type { AlertingOptions } from './options.ts';
export { resolveAlertingOptions } from './options.ts';

/** One email. `messageId` (angle brackets optional) is stable per incident notification. */
export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId?: string;
}

/** Sends one email; throws a `MailError` classified as transient (retry) or permanent. */
export interface Mailer {
  send(msg: MailMessage): Promise<void>;
}

export interface AlertingDeps {
  /** node-influx client bound to the wanwatch database (RP `forever` must exist). */
  influx: InfluxDB;
  redisUrl: string;
  /** Redis key prefix (`redisKeys(prefix)`); BullMQ queues live under `${prefix}:bull`. */
  redisPrefix: string;
  /** SMTP URL (pooled) or, without it, `.eml` files in `outboxDir`. */
  mail: { smtpUrl?: string; outboxDir?: string; from: string };
  /** NOC recipients of every device (WANWATCH_ALERT_EMAILS). */
  nocEmails: string[];
  /** Without `dashboardUrl`, emails link to a Grafana search for the device here. */
  grafanaUrl?: string;
  /** Link to the device's dashboard, shown in every email when given. */
  dashboardUrl?: (deviceId: string) => string;
  logger: Logger;
  options?: Partial<AlertingOptions>;
  /** Clock, injectable for tests; defaults to Date.now. */
  nowMs?: () => number;
  /** The pure steps, replaceable for tests (e.g. to inject a step that fails); defaults to alerting/core. */
  steps?: Partial<AlertingSteps>;
}

export interface Alerting {
  /** `POST|GET|DELETE /silences`, `GET /notifications`, `GET /alerting/quarantine`; mount under /api/v1 behind admin auth. */
  router: Router;
  /** Alerting's Prometheus metrics (outage retries, stuck groups flushed, quarantine); serve with the backend's. */
  registry: Registry;
  /** Starts the BullMQ workers (device events, scheduled flush/watchdog, notify). Idempotent. */
  startWorkers(): Promise<void>;
  /** Closes workers, queues and connections (waits for active jobs). */
  close(): Promise<void>;
  mailer: Mailer;
}

export function createAlerting(deps: AlertingDeps): Alerting {
  const options = resolveAlertingOptions(deps.options);
  const grafana = deps.grafanaUrl?.replace(/\/+$/, '');
  const dashboardUrl =
    deps.dashboardUrl ??
    (grafana ? (id: string) => `${grafana}/dashboards?query=${encodeURIComponent(id)}` : undefined);
  return createAlertingRuntime({ ...deps, dashboardUrl }, options);
}

export { alertingPlugin } from './plugin.ts';
export { MailError, classifyMailError } from './adapters/mailer.ts';
export { ALERT_TIMERS_QUEUE } from './runtime.ts';
