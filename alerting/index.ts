/**
 * Alerting: transitions -> incidents -> emails (BullMQ + nodemailer), device watchdog, flap
 * damping, silences, reminders. The backend wires it in as a plugin (backend/plugins/alerting.ts):
 * `router` under /api/v1 (behind admin auth), `startWorkers()` in worker roles, the host's mailer.
 */
export type { AlertingOptions } from './options.ts';
export { resolveAlertingOptions } from './options.ts';
export { createAlerting, type Alerting, type AlertingDeps } from './runtime.ts';
export { loadReceiverSetup, parseReceiverSetup, type ReceiverSetup } from './receivers/routes-file.ts';
export { createAckLinksPages } from './ack-links-router.ts';
export type { DeliverLinks } from './deliver.ts';
