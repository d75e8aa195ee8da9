import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ProblemError } from '../../contract/index.ts';
import { redisKeys } from '../../store/index.ts';
import { apiRedis, connectRedis, influxClient, redactUrl } from '../../backend/clients.ts';
import { ConfigError, influxUrlOf, readSettings, settingsHelp } from '../../backend/config.ts';
import {
  createReportsService,
  deviceCsv,
  deviceHtml,
  deviceText,
  fleetCsv,
  fleetHtml,
  fleetText,
  parsePeriodQuery,
  type UptimeService,
} from '../../reports/index.ts';
import { terminalSafe } from '../../reports/render/format.ts';
import { printShareLink, shareArgsProblem } from './uptime-share.ts';

export const HELP = `Usage:
  wanwatch uptime --device ID [--from T] [--to T] [--tz ZONE] [--format table|csv|json|html]
  wanwatch uptime --fleet [--from T] [--to T] [--tz ZONE] [--format table|csv|json|html]
  wanwatch uptime (--device ID | --fleet) [...] --share-link [--expires 7d]

Uptime report of one device over [from, to): availability per WAN link and of the site's internet
(time with at least one WAN online), coverage, degraded time, outages, MTTR, MTBF and the SLA verdict.
With --fleet: every registered device, missed SLAs and worst availability first. Computed exactly
from the transitions the device recorded (rules: docs/reports.md).

  --device ID   the device id
  --fleet       every device instead of one
  --from T      period start: epoch ms, ISO 8601 time or date (a date or zone-less time is read in
                --tz, else the device's or site's zone, else UTC); default: --to minus 7 days
  --to T        period end (exclusive); default: now
  --tz ZONE     IANA time zone for dates and displayed times (e.g. Europe/Berlin)
  --format F    table (default), csv, json or html (a self-contained page: > report.html)
  --share-link  print a signed link that opens this report (html, or csv with --format csv)
                without a token until it expires (docs/reports.md, "Share links"); absolute
                with WANWATCH_PUBLIC_URL, else the path
  --expires D   the link's lifetime: 30m, 12h, 7d (default 7d, at most 90d)

Environment:
${settingsHelp('uptime')}

Exit codes: 0 report written, 1 a service failed, 2 bad arguments or settings, 3 unknown device.
`;

const FORMATS = ['table', 'csv', 'json', 'html'] as const;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        device: { type: 'string' },
        fleet: { type: 'boolean', default: false },
        tz: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        format: { type: 'string', default: 'table' },
        'share-link': { type: 'boolean', default: false },
        expires: { type: 'string' },
      },
    }));
  } catch (err) {
    process.stderr.write(`wanwatch uptime: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const format = values.format as (typeof FORMATS)[number];
  const problem =
    !values.device === !values.fleet
      ? 'give either --device ID or --fleet'
      : !FORMATS.includes(format)
        ? `--format must be one of ${FORMATS.join(', ')}`
        : values['share-link']
          ? shareArgsProblem(values)
          : values.expires !== undefined
            ? '--expires goes with --share-link'
            : undefined;
  if (problem) {
    process.stderr.write(`wanwatch uptime: ${problem}\n\n${HELP}`);
    return 2;
  }
  const query = {
    ...(values.from ? { from: values.from } : {}),
    ...(values.to ? { to: values.to } : {}),
    ...(values.tz ? { tz: values.tz } : {}),
  };
  // Checked before any connection (bad arguments exit 2 even with no services running).
  if (!parsePeriod(query, 'UTC')) return 2;

  let settings;
  try {
    settings = readSettings('uptime');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`wanwatch uptime: configuration error:\n${err.message}\n`);
    return 2;
  }
  const influxUrl = influxUrlOf(settings);
  const redisUrl = settings.WANWATCH_REDIS_URL!;
  const influx = influxClient(influxUrl);
  const redis = apiRedis(redisUrl);
  // Connection errors are reported once, below, naming the service; not by ioredis on stderr.
  redis.on('error', () => {});
  try {
    await connectRedis(redis, redisUrl);
    const service = createReportsService({
      influx,
      redis,
      keys: redisKeys(settings.WANWATCH_REDIS_PREFIX),
      logger: pino({ level: 'silent' }),
      minCoveragePct: settings.WANWATCH_REPORT_MIN_COVERAGE_PCT,
    });
    const out = values['share-link']
      ? await printShareLink(
          { service, redis, keys: redisKeys(settings.WANWATCH_REDIS_PREFIX), publicUrl: settings.WANWATCH_PUBLIC_URL },
          { ...query, deviceId: values.device ?? null, format, ...(values.expires ? { expires: values.expires } : {}) },
        )
      : values.device
        ? await deviceReport(service, values.device, query, format)
        : await fleetReport(service, query, format);
    if (out === undefined) return 2;
    process.stdout.write(out);
    return 0;
  } catch (err) {
    const code = err instanceof ProblemError ? err.code : undefined;
    const service =
      code === 'redis_unavailable'
        ? `Redis at ${redactUrl(redisUrl)}: `
        : code === 'influx_unavailable'
          ? `InfluxDB at ${redactUrl(influxUrl)}: `
          : '';
    const msg = service + (err as Error).message;
    // The message may quote the device id given: shown with its control characters escaped.
    process.stderr.write(`wanwatch uptime: ${terminalSafe(msg)}\n`);
    return err instanceof ProblemError && err.code === 'not_found' ? 3 : 1;
  } finally {
    redis.disconnect();
  }
}

type Query = { from?: string; to?: string; tz?: string };
type Format = (typeof FORMATS)[number];

function parsePeriod(query: Query, zone: string) {
  try {
    return parsePeriodQuery(query, Date.now(), zone);
  } catch (err) {
    process.stderr.write(
      `wanwatch uptime: ${(err as Error).message.replace(/\bfrom\b/, '--from').replace(/^to\b/, '--to')}\n`,
    );
    return undefined;
  }
}

async function deviceReport(service: UptimeService, deviceId: string, query: Query, format: Format) {
  // Dates are read on the device's calendar, so its zone is needed before the period.
  const period = parsePeriod(query, await service.timeZoneOf(deviceId));
  if (!period) return undefined;
  const report = await service.device(deviceId, period.fromMs, period.toMs, period.timeZone);
  if (format === 'json') return JSON.stringify(report, null, 2) + '\n';
  if (format === 'csv') return deviceCsv(report);
  return format === 'html' ? deviceHtml(report) : deviceText(report);
}

async function fleetReport(service: UptimeService, query: Query, format: Format) {
  const period = parsePeriod(query, 'UTC');
  if (!period) return undefined;
  const zone = period.timeZone ?? 'UTC';
  const report = await service.fleet(period.fromMs, period.toMs);
  if (format === 'json') return JSON.stringify(report, null, 2) + '\n';
  if (format === 'csv') return fleetCsv(report);
  return format === 'html' ? fleetHtml(report, zone) : fleetText(report, zone);
}
