/**
 * `wanwatch serve --role worker` for the many-process test, with one difference: BullMQ's job lock
 * is 10 s instead of 30 s (it is not a setting), so the job a SIGKILLed worker held runs again
 * within the test's bound. Settings come from the WANWATCH_* environment as for `serve`.
 */
import { loadBackendConfig } from '../../backend/config.ts';
import { createLogger, startBackend } from '../../backend/host.ts';
import { backendPlugins } from '../../backend/plugins/index.ts';

const config = loadBackendConfig(process.env);
const backend = await startBackend(config, {
  role: 'worker',
  logger: createLogger(config.logLevel),
  plugins: backendPlugins({ alertingOptions: { lockDurationMs: 10_000, stalledIntervalMs: 3_000 } }),
});
process.once('SIGTERM', () => void backend.close().then(() => process.exit(0)));
