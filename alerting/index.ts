/**
 * Alerting: transitions -> incidents -> emails (BullMQ + nodemailer), device watchdog, flap
 * damping, silences, reminders. The composition root (`wanwatch serve`) calls `createAlerting`,
 * mounts `router` under /api/v1 (behind admin auth) and calls `startWorkers()` in worker roles.
 */
export type { AlertingOptions } from './options.ts';
export { resolveAlertingOptions } from './options.ts';
export { createAlerting, type Alerting, type AlertingDeps } from './runtime.ts';
