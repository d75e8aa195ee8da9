import { parseArgs } from 'node:util';
import { redisKeys } from '../../store/index.ts';
import { apiRedis, connectRedis, influxClient, redactUrl } from '../../backend/clients.ts';
import { ConfigError, influxUrlOf, readSettings, settingsHelp, type SettingKey } from '../../backend/config.ts';
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

Environment (sync also requires WANWATCH_GRAFANA_URL and WANWATCH_GRAFANA_TOKEN):
${settingsHelp('dashboards')}
See docs/dashboards.md.
`;

/** Each Grafana call gives up after this; a Grafana that does not answer stops the sync at the first call. */
const GRAFANA_TIMEOUT_MS = 10_000;

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
  const require: SettingKey[] = ['WANWATCH_INFLUX_URL', 'WANWATCH_REDIS_URL'];
  if (sub === 'sync') require.push('WANWATCH_GRAFANA_URL', 'WANWATCH_GRAFANA_TOKEN');
  let env;
  try {
    env = readSettings('dashboards', process.env, {}, { require });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`wanwatch dashboards ${sub}:\n${err.message}\n`);
    return 2;
  }
  let options;
  try {
    options = dashboardOptionsFromEnv(process.env);
  } catch (err) {
    process.stderr.write(`wanwatch dashboards ${sub}:\n${(err as Error).message}\n`);
    return 2;
  }
  const influxUrl = influxUrlOf(env);
  const redisUrl = env.WANWATCH_REDIS_URL!;
  const redis = apiRedis(redisUrl);
  redis.on('error', () => {});
  try {
    await connectRedis(redis, redisUrl);
    const influx = influxClient(influxUrl);
    const inv = createInventory({ redis, keys: redisKeys(env.WANWATCH_REDIS_PREFIX), influx });
    const records = await inv.listDevices();
    await backfillDeviceInfo(influx, records);
    const items = await allDashboards(inv, options, records);
    process.stdout.write(
      `${records.length} devices; Grafana ${options.grafanaVersion}; per-device dashboards ${perDeviceEnabled(records.length, options) ? 'on' : 'off'} (${options.perDevice})\n`,
    );
    if (sub === 'export') {
      const r = exportDashboards(out ?? '.', items, influxUrl);
      process.stdout.write(`wrote ${items.length} dashboards and the provisioning set to ${r.dir}\n`);
      process.stdout.write(`datasource: ${redactUrl(influxUrl)} (uid wanwatch-influx)\n`);
      return 0;
    }
    const grafanaUrl = env.WANWATCH_GRAFANA_URL!;
    const client = createGrafanaClient({
      url: grafanaUrl,
      token: env.WANWATCH_GRAFANA_TOKEN!,
      timeoutMs: GRAFANA_TIMEOUT_MS,
    });
    const report = await syncDashboards(client, items, { message: 'wanwatch dashboards sync' });
    for (const f of report.folders)
      process.stdout.write(`folder ${f.uid}: ${f.result}${f.error ? ` (${f.error})` : ''}\n`);
    for (const d of report.dashboards)
      process.stdout.write(
        `dashboard ${d.uid}: ${d.result}${d.version ? ` v${d.version}` : ''}${d.error ? ` (${d.error})` : ''}\n`,
      );
    const failed = report.dashboards.filter((d) => d.result === 'failed').length;
    process.stdout.write(
      `${report.dashboards.length - failed} of ${report.dashboards.length} dashboards synced to ${grafanaUrl}\n`,
    );
    return failed === 0 ? 0 : 1;
  } catch (err) {
    if (err instanceof GrafanaError && err.kind === 'auth') {
      process.stderr.write(`wanwatch dashboards sync: ${err.message}\n`);
      return 3;
    }
    if (err instanceof GrafanaError && err.status === null) {
      const url = redactUrl(env.WANWATCH_GRAFANA_URL ?? '');
      process.stderr.write(`wanwatch dashboards sync: Grafana at ${url} is not reachable (${err.message})\n`);
      return 1;
    }
    throw err;
  } finally {
    redis.disconnect();
  }
}
