/**
 * The whole backend (ingest + alerting + reports, role `all`) in its own process, so that a test can
 * kill it with SIGKILL as a crash or a deploy would. Settings come as JSON in WANWATCH_DRILL_BACKEND
 * (see backend-process.ts). It listens on 127.0.0.1:<port> (the test's API calls) and on a Unix
 * socket (the forwarders in the lab's ISP namespaces), then prints `ready`. SIGTERM closes it.
 */
import { rmSync } from 'node:fs';
import http from 'node:http';
import { backendPlugins } from '../../backend/plugins/index.ts';
import { createLogger, startBackend, type BackendConfig } from '../../backend/host.ts';
import type { AlertingOptions } from '../../alerting/options.ts';

interface ChildSettings {
  config: BackendConfig;
  socketPath: string;
  alerting: Partial<AlertingOptions>;
}

const s = JSON.parse(process.env.WANWATCH_DRILL_BACKEND ?? '{}') as ChildSettings;
const logger = createLogger(s.config.logLevel);
const backend = await startBackend(s.config, {
  role: 'all',
  host: '127.0.0.1',
  logger,
  plugins: backendPlugins({ alertingOptions: s.alerting }),
});
// A SIGKILLed predecessor leaves its socket file behind; listening needs the path free.
rmSync(s.socketPath, { force: true });
const handler = backend.server!.listeners('request')[0] as http.RequestListener;
const sock = http.createServer(handler);
await new Promise<void>((r) => sock.listen(s.socketPath, () => r()));
process.stdout.write('ready\n');

process.once('SIGTERM', () => {
  sock.closeAllConnections();
  sock.close();
  void backend.close().then(() => process.exit(0));
});
