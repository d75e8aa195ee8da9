export {
  createUploader,
  DEFAULT_UPLOADER_OPTIONS,
  type Uploader,
  type UploaderDeps,
  type UploaderOptions,
  type UploaderStats,
  type UploaderSpool,
} from './uploader.ts';
export {
  createHttpTransport,
  classify,
  type HttpTransportOptions,
  type ReportTransport,
  type TransportOutcome,
} from './http-transport.ts';
export { orderRoutes, sourceAddressOf, backoffDelayMs, type UploadRoute, type RouteHistory } from './routes.ts';
export {
  planNextBatch,
  nextBackfillMs,
  DEFAULT_BATCH_OPTIONS,
  type BatchOptions,
  type Plan,
  type PlanState,
} from './batch-plan.ts';
