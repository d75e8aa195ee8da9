import { parseArgs } from 'node:util';
import { z } from 'zod';
import { InfluxDB } from 'influx';
import { Redis } from 'ioredis';
import { parseInfluxUrl, redisKeys, redactUrl } from '../../contract/index.ts';
import {
  allDashboards,
  backfillDeviceInfo,
  dashboardOptionsFromEnv,
  perDeviceEnabled,
  createGrafanaClient,
  createInventory,
  exportDashboards,
  GrafanaError,
  syncDashboards,
} from '../../dashboards/index.ts';

export const HELP = `Usage:
  wanwatch dashboards export --out DIR
  wanwatch dashboards sync

export  writes the fleet dashboard, the templated device dashboard (and, for small fleets, one
        dashboard per device), and a Grafana provisioning set (InfluxDB datasource with uid
        "wanwatch-influx", dashboard providers):
          DIR/provisioning/datasources/wanwatch.yaml
          DIR/provisioning/dashboards/wanwatch.yaml
          DIR/dashboards/<folder>/<uid>.json
sync    pushes the same dashboards through the Grafana HTTP API (folder per site, overwrite,
        folder kept on update) with a service-account token.
Both write every registered device's name and site to InfluxDB (wan_device_info) first.

Environment: WANWATCH_INFLUX_URL, WANWATCH_REDIS_URL (WANWATCH_REDIS_PREFIX, default "ww"),
WANWATCH_GRAFANA_VERSION (11, 12 or 13; default 12), WANWATCH_DASHBOARDS_PER_DEVICE (auto, always,
never; auto = per-device dashboards up to 50 devices), and for sync WANWATCH_GRAFANA_URL,
WANWATCH_GRAFANA_TOKEN. See docs/dashboards.md.
`;

const httpUrl = (key: string) =>
  z
    .string({ message: `${key} is required` })
    .refine((v) => /^https?:\/\/[^/]/.test(v), { message: `${key} must be an http:// or https:// URL` });

const baseEnv = z.object({
  WANWATCH_INFLUX_URL: z
    .string({ message: 'WANWATCH_INFLUX_URL is required (e.g. http://127.0.0.1:8086/wanwatch)' })
    .superRefine((v, ctx) => {
      try {
        parseInfluxUrl(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
      }
    }),
  WANWATCH_REDIS_URL: z
    .string({ message: 'WANWATCH_REDIS_URL is required (e.g. redis://127.0.0.1:6379)' })
    .regex(/^rediss?:\/\//, 'WANWATCH_REDIS_URL must be a redis:// or rediss:// URL'),
  WANWATCH_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'WANWATCH_REDIS_PREFIX: letters, digits, "_" and "-"')
    .default('ww'),
});
const syncEnv = baseEnv.extend({
  WANWATCH_GRAFANA_URL: httpUrl('WANWATCH_GRAFANA_URL'),
  WANWATCH_GRAFANA_TOKEN: z
    .string({ message: 'WANWATCH_GRAFANA_TOKEN is required (a Grafana service-account token, role Editor)' })
    .min(1, 'WANWATCH_GRAFANA_TOKEN is empty'),
});

function readEnv<S extends z.ZodType>(schema: S): z.infer<S> | string {
  const input = Object.fromEntries(
    Object.entries(process.env).filter(([k, v]) => k.startsWith('WANWATCH_') && v !== ''),
  );
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  return r.error.issues
    .map((i) => (i.message.includes(String(i.path[0])) ? i.message : `${String(i.path[0])}: ${i.message}`))
    .join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'export' && sub !== 'sync') {
    process.stderr.write(HELP);
    return 2;
  }
  let out: string | undefined;
  try {
    const { values } = parseArgs({
      args: rest,
      strict: true,
      options: sub === 'export' ? { out: { type: 'string' } } : {},
    });
    out = (values as { out?: string }).out;
  } catch (err) {
    process.stderr.write(`wanwatch dashboards ${sub}: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (sub === 'export' && !out) {
    process.stderr.write(`wanwatch dashboards export: --out DIR is required\n\n${HELP}`);
    return 2;
  }
  const env = readEnv(sub === 'sync' ? syncEnv : baseEnv);
  if (typeof env === 'string') {
    process.stderr.write(`wanwatch dashboards ${sub}:\n${env}\n`);
    return 2;
  }
  let options;
  try {
    options = dashboardOptionsFromEnv();
  } catch (err) {
    process.stderr.write(`wanwatch dashboards ${sub}:\n${(err as Error).message}\n`);
    return 2;
  }
  const redis = new Redis(env.WANWATCH_REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const influx = new InfluxDB(parseInfluxUrl(env.WANWATCH_INFLUX_URL));
    const inv = createInventory({ redis, keys: redisKeys(env.WANWATCH_REDIS_PREFIX), influx });
    const records = await inv.listDevices();
    await backfillDeviceInfo(influx, records);
    const items = await allDashboards(inv, options, records);
    process.stdout.write(
      `${records.length} devices; Grafana ${options.grafanaVersion}; per-device dashboards ${perDeviceEnabled(records.length, options) ? 'on' : 'off'} (${options.perDevice})\n`,
    );
    if (sub === 'export') {
      const r = exportDashboards(out ?? '.', items, env.WANWATCH_INFLUX_URL);
      process.stdout.write(`wrote ${items.length} dashboards and the provisioning set to ${r.dir}\n`);
      process.stdout.write(`datasource: ${redactUrl(env.WANWATCH_INFLUX_URL)} (uid wanwatch-influx)\n`);
      return 0;
    }
    const s = env as z.infer<typeof syncEnv>;
    const client = createGrafanaClient({ url: s.WANWATCH_GRAFANA_URL, token: s.WANWATCH_GRAFANA_TOKEN });
    const report = await syncDashboards(client, items, { message: 'wanwatch dashboards sync' });
    for (const f of report.folders)
      process.stdout.write(`folder ${f.uid}: ${f.result}${f.error ? ` (${f.error})` : ''}\n`);
    for (const d of report.dashboards)
      process.stdout.write(
        `dashboard ${d.uid}: ${d.result}${d.version ? ` v${d.version}` : ''}${d.error ? ` (${d.error})` : ''}\n`,
      );
    const failed = report.dashboards.filter((d) => d.result === 'failed').length;
    process.stdout.write(
      `${report.dashboards.length - failed} of ${report.dashboards.length} dashboards synced to ${s.WANWATCH_GRAFANA_URL}\n`,
    );
    return failed === 0 ? 0 : 1;
  } catch (err) {
    if (err instanceof GrafanaError && err.kind === 'auth') {
      process.stderr.write(`wanwatch dashboards sync: ${err.message}\n`);
      return 3;
    }
    throw err;
  } finally {
    redis.disconnect();
  }
}
