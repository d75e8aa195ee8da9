export {
  openSpool,
  type Spool,
  type SpoolEntry,
  type SpoolOptions,
  type SpoolStats,
  type UnsequencedRecord,
} from './spool.ts';
export { createJsonLogger, silentLogger, type LogLevel, type ReporterLogger } from './logger.ts';
