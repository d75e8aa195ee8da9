/**
 * A whole backend for an e2e test file, as `wanwatch serve` runs it: startBackend on loopback with
 * its own InfluxDB database and Redis key prefix on the test stack, and optionally an SMTP sink
 * (stack/smtp-sink.ts) that receives every email it sends. Test support only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  createLogger,
  startBackend,
  type BackendConfig,
  type BackendRole,
  type PluginFactory,
  type RunningBackend,
} from '../backend/host.ts';
import { backendPlugins } from '../backend/plugins/index.ts';
import { startSmtpSink, type SmtpSink } from '../stack/smtp-sink.ts';
import { testServices } from '../stack/testing.ts';

export interface TestBackendOptions {
  /** Names the test's InfluxDB database and Redis prefix (each made unique by the test stack). */
  label: string;
  adminToken: string;
  /** `all` (API and workers, the default) or `api` (HTTP only, no workers). */
  role?: BackendRole;
  /** The plugins to run; default every plugin, as `wanwatch serve` does. */
  plugins?: PluginFactory[];
  /** Starts an SMTP sink and points the backend's mailer at it (`sink`). */
  smtpSink?: boolean;
  /** Any other setting (viewerTokens, publicUrl, alertEmails, http, ...); wins over the defaults. */
  config?: Partial<BackendConfig>;
  /** Default: errors only, to stderr. A test that checks what is logged passes its own. */
  logger?: Logger;
}

export interface TestBackend {
  backend: RunningBackend;
  /** `http://127.0.0.1:<port>`. */
  base: string;
  /** The settings it runs with (database URL, Redis prefix, ...), e.g. for a CLI run against it. */
  config: BackendConfig;
  /** The SMTP sink; throws when the backend was started without `smtpSink: true`. */
  readonly sink: SmtpSink;
  /** Stops the backend gracefully, then the sink, and removes its data directory. For `after`. */
  close(): Promise<void>;
}

/**
 * Starts a backend (and with `smtpSink`, its SMTP sink first) for one test file; its data directory
 * (the mail outbox when there is no sink) is a fresh temporary one. Stop it with `close()` in the
 * test's `after`; a start that fails stops whatever it had started already.
 */
export async function startTestBackend(o: TestBackendOptions): Promise<TestBackend> {
  const svc = await testServices();
  const dataDir = mkdtempSync(join(tmpdir(), `ww-${o.label.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
  let sink: SmtpSink | undefined;
  try {
    if (o.smtpSink) sink = await startSmtpSink();
    const config: BackendConfig = {
      influxUrl: svc.influxDb(o.label).url,
      redisUrl: svc.redisUrl,
      redisPrefix: svc.redisPrefix(o.label),
      ...(sink ? { smtpUrl: sink.url } : {}),
      mailFrom: 'wanwatch <w@example.test>',
      alertEmails: [],
      adminToken: o.adminToken,
      port: 0,
      dataDir,
      rawRetention: '30d',
      logLevel: 'error',
      ...o.config,
    };
    const backend = await startBackend(config, {
      role: o.role ?? 'all',
      host: '127.0.0.1',
      logger: o.logger ?? createLogger('error'),
      plugins: o.plugins ?? backendPlugins(),
    });
    return {
      backend,
      base: `http://127.0.0.1:${backend.port}`,
      config,
      get sink() {
        if (!sink) throw new Error('startTestBackend: started without smtpSink: true');
        return sink;
      },
      async close() {
        try {
          await backend.close();
        } finally {
          await sink?.close();
          rmSync(dataDir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    await sink?.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
