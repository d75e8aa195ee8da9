/** Chat and paging receivers beside email: configuration, routing, delivery (docs/alerts.md, "Receivers and routes"). */
export { RECEIVERS_QUEUE, createReceiverProcessor, type ReceiverJob, type ReceiverTransport } from './delivery.ts';
export type { Receiver } from './config.ts';
export type { ReceiverSetup } from './routes-file.ts';
export { createSetupStore } from './setup-store.ts';
