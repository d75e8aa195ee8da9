/**
 * The backend's shared model: what every backend part reads and writes beside the device wire
 * (`contract/`). Redis key layout and stored records, the device registry read side, the live
 * state codec, queue names and job payloads, InfluxDB measurements, retention policies,
 * continuous queries and their setup (`influx-ensure.ts`), the receiving heartbeat (`blindness.ts`)
 * and the mail port every sender uses. Never shipped to routers.
 */
export * from './redis-keys.ts';
export * from './queues.ts';
export * from './influx-schema.ts';
export * from './influx-setup.ts';
export * from './live.ts';
export * from './live-notify.ts';
export * from './incidents-read.ts';
export * from './series-read.ts';
export * from './alert-view.ts';
export * from './registry.ts';
export * from './redis-op.ts';
export * from './mail.ts';
export * from './maintenance-window.ts';
export * from './signed-links.ts';
export * from './link-key.ts';
export * from './share-links.ts';
export * from './redis-url.ts';
export * from './redis-layout.ts';
export * from './worker-supervisor.ts';
