import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ProblemError } from '../../contract/index.ts';
import { redisKeys } from '../../store/index.ts';
import { apiRedis, connectRedis, influxClient, redactUrl } from '../../backend/clients.ts';
import { ConfigError, readSettings, settingsHelp } from '../../backend/config.ts';
import { createReportsService, deviceCsv, deviceHtml, deviceText, parsePeriodQuery } from '../../reports/index.ts';
import { terminalSafe } from '../../reports/render/format.ts';

export const HELP = `Usage:
  wanwatch uptime --device ID [--from T] [--to T] [--format table|csv|json|html]

Uptime report of one device over [from, to): availability per WAN link and of the site's internet
(time with at least one WAN online), outages, MTTR, MTBF. Computed exactly from the transitions the
device recorded (rules: docs/reports.md).

  --device ID   the device id (required)
  --from T      period start: epoch ms, ISO 8601 time or date (UTC); default: --to minus 7 days
  --to T        period end (exclusive); default: now
  --format F    table (default), csv, json or html (a self-contained page: > report.html)

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
        from: { type: 'string' },
        to: { type: 'string' },
        format: { type: 'string', default: 'table' },
      },
    }));
  } catch (err) {
    process.stderr.write(`wanwatch uptime: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const format = values.format as (typeof FORMATS)[number];
  if (!values.device || !FORMATS.includes(format)) {
    process.stderr.write(
      `wanwatch uptime: ${!values.device ? '--device is required' : `--format must be one of ${FORMATS.join(', ')}`}\n\n${HELP}`,
    );
    return 2;
  }
  let period;
  try {
    period = parsePeriodQuery(
      { ...(values.from ? { from: values.from } : {}), ...(values.to ? { to: values.to } : {}) },
      Date.now(),
    );
  } catch (err) {
    process.stderr.write(
      `wanwatch uptime: ${(err as Error).message.replace(/\bfrom\b/, '--from').replace(/^to\b/, '--to')}\n`,
    );
    return 2;
  }

  let settings;
  try {
    settings = readSettings('uptime');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`wanwatch uptime: configuration error:\n${err.message}\n`);
    return 2;
  }
  const influxUrl = settings.WANWATCH_INFLUX_URL!;
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
    });
    const report = await service.device(values.device, period.fromMs, period.toMs);
    const out =
      format === 'json'
        ? JSON.stringify(report, null, 2) + '\n'
        : format === 'csv'
          ? deviceCsv(report)
          : format === 'html'
            ? deviceHtml(report)
            : deviceText(report);
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
