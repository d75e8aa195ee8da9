import { parseArgs } from 'node:util';
import { InfluxDB } from 'influx';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { ProblemError, parseInfluxUrl, redisKeys } from '../../contract/index.ts';
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

Environment: WANWATCH_INFLUX_URL (http://[user:pass@]host:8086/wanwatch), WANWATCH_REDIS_URL,
WANWATCH_REDIS_PREFIX (default "ww").
`;

const FORMATS = ['table', 'csv', 'json', 'html'] as const;

function env(name: string, example: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required (e.g. ${example})`);
  return v;
}

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

  const o = parseInfluxUrl(env('WANWATCH_INFLUX_URL', 'http://127.0.0.1:8086/wanwatch'));
  const influx = new InfluxDB({
    host: o.host,
    port: o.port,
    protocol: o.protocol,
    database: o.database,
    username: o.username,
    password: o.password,
  });
  const redis = new Redis(env('WANWATCH_REDIS_URL', 'redis://127.0.0.1:6379'), {
    maxRetriesPerRequest: 1,
    lazyConnect: true,
  });
  try {
    await redis.connect();
    const service = createReportsService({
      influx,
      redis,
      keys: redisKeys(process.env.WANWATCH_REDIS_PREFIX || 'ww'),
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
    const msg = err instanceof ProblemError ? err.message : `${(err as Error).message}`;
    // The message may quote the device id given: shown with its control characters escaped.
    process.stderr.write(`wanwatch uptime: ${terminalSafe(msg)}\n`);
    return err instanceof ProblemError && err.code === 'not_found' ? 3 : 1;
  } finally {
    redis.disconnect();
  }
}
