export { startReporter, AGENT, type ReporterOptions, type ReporterDeps, type RunningReporter } from './reporter.ts';
export {
  resolveRunConfig,
  settingsFromArgv,
  settingsFromEnv,
  settingsFromUci,
  runConfigSchema,
  RunConfigError,
  SETTINGS,
  DEFAULT_UCI_PATH,
  type RunConfig,
  type RawSettings,
} from './run-config.ts';
export { startMwan3Source, type Mwan3Source } from './mwan3-source.ts';
export { sampleFromUbus, mwan3PollRecords } from './mwan3-poll.ts';
