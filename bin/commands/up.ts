import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startStack, MissingPackagesError } from '../../stack/index.ts';
import { startBackend, createLogger, outboxDirOf } from '../../backend/host.ts';
import { backendPlugins } from '../../backend/plugins/index.ts';
import { createSessionStore, signInLinkPath } from '../../console/index.ts';
import {
  ConfigError,
  backendConfig,
  checkBackendSettings,
  readSettings,
  type SettingKey,
} from '../../backend/config.ts';
import { startDemoFleet, type DemoDevice } from '../demo/demo-fleet.ts';
import { demoQualityOptions } from '../demo/demo-quality.ts';
import {
  allDashboards,
  backfillDeviceInfo,
  createInventory,
  dashboardOptionsFromEnv,
  exportDashboards,
} from '../../dashboards/index.ts';
import { createReportsService, deviceText } from '../../reports/index.ts';
import { parseMwan3Config } from '../../device-reporter/config/mwan3-config.ts';
import { readStatusFile } from '../../device-reporter/status/status-file.ts';
import { buildStatusView } from '../../device-reporter/status/build-status-view.ts';
import { formatMwan3Status } from '../../device-reporter/status/mwan3-status-text.ts';
import { addDemoWebhook, webhookCurlLines, webhookUrlProblem } from './up-webhook.ts';

export const HELP = `Usage: wanwatch up [--port 8080] [--data-dir .wanwatch] [--demo-devices N] [--webhook URL]

The embedded default: starts a private influxd and redis-server (Debian packages, installed when
missing and running as root), the whole backend (API, alerting workers, reports, dashboards), keeps
mail in DATA-DIR/outbox/*.eml unless WANWATCH_SMTP_URL is set, and with --demo-devices runs that many
simulated CE routers (the real reporter code over simulated links that fail, degrade and recover).

What you see (with --demo-devices 3):
  - the admin token and the API URL, printed at start
  - every 20 s: each device's state in the layout of \`mwan3 status\`
  - within about a minute: emails in DATA-DIR/outbox/ (eth1 DOWN -> failover; device unreachable;
    back online), Grafana dashboards + provisioning in DATA-DIR/dashboards/, and an uptime report
Ctrl-C stops everything it started; starting again keeps the data (InfluxDB, Redis, outbox).

Settings: the same WANWATCH_* variables and defaults as \`wanwatch serve\` (docs/deploy.md), except
that up supplies the InfluxDB and Redis URLs itself and generates an admin token when
WANWATCH_ADMIN_TOKEN is unset. Set WANWATCH_LOG_LEVEL=warn for a quieter terminal.

Options:
  --port N            API port (default 8080, or WANWATCH_PORT)
  --data-dir DIR      where the services keep their data (default .wanwatch, or WANWATCH_DATA_DIR)
  --demo-devices N    simulated CE devices (default 0)
  --demo-cycle S      length of one demo story in seconds (default 120)
  --demo-interval S   tracking interval of the simulated devices (default 2)
  --exit-after S      stop by itself after S seconds (for scripted runs)
  --webhook URL       also send every alert to this webhook receiver (JSON, signed with
                      X-Wanwatch-Signature; docs/alerts.md): replaces the receivers and routes set
                      through the API. Without it, the curl lines printed at start add one.
  --webhook-secret S  its signing secret (at least 16 characters; default: generated and printed)
Alert emails carry signed acknowledgement and report links to this API (WANWATCH_PUBLIC_URL, default
http://127.0.0.1:PORT here).
`;

function outboxCount(dir: string): number {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.eml')).length : 0;
}

function statusBlock(d: DemoDevice, configPath: string, nowMs: number): string {
  const config = parseMwan3Config(readFileSync(configPath, 'utf8'));
  const view = buildStatusView(config, readStatusFile(d.spoolDir), undefined, nowMs);
  return `── ${d.id} (${d.name}, ${d.site}; story: ${d.story}) ──\n${formatMwan3Status(view.ifaces, view.chains)}`;
}

export async function run(argv: string[]): Promise<number> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        'demo-devices': { type: 'string' },
        'demo-cycle': { type: 'string' },
        'demo-interval': { type: 'string' },
        'exit-after': { type: 'string' },
        webhook: { type: 'string' },
        'webhook-secret': { type: 'string' },
      },
    }) as { values: Record<string, string | undefined> });
  } catch (err) {
    process.stderr.write(`wanwatch up: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const num = (key: string, fallback: number, min: number, max: number): number => {
    const raw = values[key];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max)
      throw new Error(`--${key} must be a number from ${min} to ${max} (got "${raw}")`);
    return n;
  };
  let settings;
  let demoCount: number, cycleMs: number, intervalS: number, exitAfterS: number | undefined;
  try {
    const flags: Partial<Record<SettingKey, string>> = {};
    if (values.port !== undefined) flags.WANWATCH_PORT = String(num('port', 8080, 0, 65535));
    if (values['data-dir'] !== undefined) flags.WANWATCH_DATA_DIR = values['data-dir'];
    demoCount = num('demo-devices', 0, 0, 500);
    cycleMs = num('demo-cycle', 120, 10, 86_400) * 1000;
    intervalS = num('demo-interval', 2, 1, 60);
    exitAfterS = values['exit-after'] !== undefined ? num('exit-after', 0, 1, 86_400) : undefined;
    const hook = values.webhook === undefined ? undefined : webhookUrlProblem(values.webhook);
    if (hook) throw new Error(hook);
    if ((values['webhook-secret']?.length ?? 16) < 16) throw new Error('--webhook-secret needs at least 16 characters');
    // The same table, checks and defaults as `serve`; only the service URLs and the token differ.
    settings = readSettings('up', process.env, flags, { require: [] });
    checkBackendSettings(settings);
  } catch (err) {
    process.stderr.write(
      `wanwatch up: ${err instanceof ConfigError ? 'configuration error:\n' : ''}${(err as Error).message}\n`,
    );
    return 2;
  }
  const dataDir = resolve(settings.WANWATCH_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });

  const say = (line: string) => process.stdout.write(line + '\n');
  let stack;
  try {
    stack = await startStack({ dataDir: join(dataDir, 'stack'), persistent: true, log: (l) => say(l) });
  } catch (err) {
    if (err instanceof MissingPackagesError) {
      process.stderr.write(`wanwatch up: ${err.message}\n`);
      return 3;
    }
    throw err;
  }
  const config = {
    ...backendConfig(settings, {
      influxUrl: stack.influxUrl,
      redisUrl: stack.redisUrl,
      adminToken: randomBytes(24).toString('base64url'),
    }),
    dataDir,
  };
  // Links in the demo's emails open this API (port 0 has no address before the start).
  if (!config.publicUrl && config.port !== 0) config.publicUrl = `http://127.0.0.1:${config.port}`;
  const { adminToken } = config;
  const outboxDir = outboxDirOf(config);
  const logger = createLogger(config.logLevel);
  let backend;
  try {
    // The demo's stories are short: its brownout must be judged within them (demo-quality.ts).
    const alertingOptions = demoCount > 0 ? demoQualityOptions(cycleMs, intervalS, process.env) : undefined;
    backend = await startBackend(config, {
      role: 'all',
      plugins: backendPlugins({ alertingOptions }),
      logger,
      host: '127.0.0.1',
    });
  } catch (err) {
    // A taken port or a failing plugin: stop the services this run started, and say why.
    process.stderr.write(`wanwatch up: could not start the backend: ${(err as Error).message}\n`);
    await stack.stop();
    // Nothing may keep the process alive after a failed start (a client a plugin made).
    setTimeout(() => process.exit(), 2_000).unref();
    return 1;
  }
  const apiUrl = `http://127.0.0.1:${backend.port}`;
  const dashboardsDir = join(dataDir, 'dashboards');

  say('');
  say(`wanwatch is up`);
  // The link signs one browser in once (it is as secret as the admin token printed beside it).
  const once = await createSessionStore(backend.ctx.redis, backend.ctx.keys).createOnce(24 * 3600_000);
  say(
    `  console      ${apiUrl}${signInLinkPath(once)}   (open it: signs you in once; later: ${apiUrl}/ with the admin token)`,
  );
  say(`  API          ${apiUrl}   (admin token: ${adminToken})`);
  say(`  try          curl -H "Authorization: Bearer ${adminToken}" ${apiUrl}/api/v1/devices`);
  say(`  InfluxDB     ${stack.influxUrl}`);
  say(`  Redis        ${stack.redisUrl}`);
  say(`  mail         ${config.smtpUrl ? 'via WANWATCH_SMTP_URL' : `${outboxDir}/*.eml`}`);
  say(`  dashboards   ${dashboardsDir}/ (Grafana provisioning set; refreshed every minute)`);
  say(`  data         ${dataDir}/ (kept across restarts)`);
  if (values.webhook) {
    await addDemoWebhook(apiUrl, adminToken, values.webhook, values['webhook-secret']).then(
      (secret) => say(`  webhook      ${values.webhook} gets every alert (X-Wanwatch-Signature secret: ${secret})`),
      (err: Error) => process.stderr.write(`wanwatch up: could not add the webhook receiver: ${err.message}\n`),
    );
  } else {
    const [receivers, routes] = webhookCurlLines(
      apiUrl,
      adminToken,
      'http://127.0.0.1:9000/hook',
      'a-secret-of-16-chars',
    );
    say(`  webhook      add one (or start with --webhook URL):`);
    say(`                 ${receivers}`);
    say(`                 ${routes}`);
  }
  say('');

  const fleet =
    demoCount > 0
      ? await startDemoFleet({ apiUrl, adminToken, count: demoCount, dataDir, cycleMs, intervalS })
      : undefined;
  if (fleet) {
    const first = fleet.devices[0]!.id;
    say(
      `started ${fleet.devices.length} simulated CE devices: ${fleet.devices.map((d) => `${d.id} (${d.story})`).join(', ')}`,
    );
    say(`  uptime       WANWATCH_INFLUX_URL=${stack.influxUrl} WANWATCH_REDIS_URL=${stack.redisUrl} \\`);
    say(`                 npx wanwatch uptime --device ${first} --format table`);
    say(
      `  HTML report  curl -H "Authorization: Bearer ${adminToken}" "${apiUrl}/api/v1/devices/${first}/uptime?format=html" > uptime.html`,
    );
  }

  const inventory = createInventory({ redis: backend.ctx.redis, keys: backend.ctx.keys, influx: backend.ctx.influx });
  const dashboardOptions = dashboardOptionsFromEnv();
  const exportNow = async () => {
    const records = await inventory.listDevices();
    await backfillDeviceInfo(backend.ctx.influx, records);
    return exportDashboards(dashboardsDir, await allDashboards(inventory, dashboardOptions, records), config.influxUrl);
  };
  const reports = createReportsService({
    influx: backend.ctx.influx,
    redis: backend.ctx.redis,
    keys: backend.ctx.keys,
    logger,
    minCoveragePct: config.reportMinCoveragePct,
  });
  const startedAtMs = Date.now();
  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, fn: () => Promise<void>) => {
    timers.push(
      setInterval(() => {
        fn().catch((err: unknown) => logger.warn({ err }, 'up: periodic task failed'));
      }, ms),
    );
  };
  await exportNow().then(
    (r) => say(`dashboards exported: ${r.files.length} files in ${dashboardsDir}`),
    (err: unknown) => logger.warn({ err }, 'dashboard export failed'),
  );
  if (fleet) {
    every(20_000, async () => {
      const t = Math.round((Date.now() - startedAtMs) / 1000);
      say(`\n[+${t}s] ${outboxCount(outboxDir)} email(s) in ${outboxDir}`);
      for (const d of fleet.devices) say(statusBlock(d, join(dataDir, 'demo', d.id, 'mwan3'), Date.now()));
    });
    every(60_000, async () => {
      await exportNow();
      const d = fleet.devices[0]!;
      const now = Date.now();
      say(`\n$ wanwatch uptime --device ${d.id} --from <start> --format table`);
      say(deviceText(await reports.device(d.id, startedAtMs, now)));
    });
  }

  return await new Promise<number>((resolveRun) => {
    let stopping = false;
    const stop = async (why: string) => {
      if (stopping) return;
      stopping = true;
      say(`\nstopping (${why}) ...`);
      timers.forEach(clearInterval);
      await fleet?.stop().catch((err: unknown) => logger.error({ err }, 'demo stop failed'));
      await backend.close().catch((err: unknown) => logger.error({ err }, 'backend stop failed'));
      await stack.stop();
      say('stopped; data kept in ' + dataDir);
      resolveRun(0);
    };
    // Signals stop the demo and the backend first (so queued work is flushed to Redis), then the
    // services; the stack's reaper covers a SIGKILL.
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
    if (exitAfterS !== undefined) setTimeout(() => void stop(`--exit-after ${exitAfterS}`), exitAfterS * 1000);
  });
}
