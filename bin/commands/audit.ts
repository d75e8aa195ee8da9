import { parseArgs } from 'node:util';
import { ProblemError } from '../../contract/index.ts';
import { influxClient, redactUrl } from '../../backend/clients.ts';
import { ConfigError, readSettings, settingsHelp } from '../../backend/config.ts';
import { readAudit } from '../../ingest/audit-queue.ts';
import type { AuditRow } from '../../ingest/audit.ts';
import { timeRange } from '../../store/query-time.ts';
import { formatTime, terminalSafe } from '../../store/text-format.ts';

export const HELP = `Usage:
  wanwatch audit [--from TIME] [--to TIME] [--limit N] [--json]

The audit log of API writes (docs/api.md, "Audit log"), newest first: time, who (token id, name,
role), method, route, target, status. --from/--to as everywhere (epoch ms, ISO 8601 or a date;
default the last 24 hours), --limit 1 to 10000 (default 1000).

Environment:
${settingsHelp('audit')}
`;

const DAY_MS = 86_400_000;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        limit: { type: 'string', default: '1000' },
        json: { type: 'boolean' },
      },
    }));
  } catch (err) {
    process.stderr.write(`wanwatch audit: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const limit = /^\d{1,5}$/.test(values.limit) ? Number(values.limit) : NaN;
  if (!(limit >= 1 && limit <= 10_000)) {
    process.stderr.write(`wanwatch audit: --limit must be an integer from 1 to 10000\n`);
    return 2;
  }
  let range;
  try {
    range = timeRange({ from: values.from, to: values.to }, { nowMs: Date.now(), defaultSpanMs: DAY_MS });
  } catch (err) {
    if (!(err instanceof ProblemError)) throw err;
    process.stderr.write(`wanwatch audit: ${err.message}\n`);
    return 2;
  }
  let settings;
  try {
    settings = readSettings('audit');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`wanwatch audit: configuration error:\n${err.message}\n`);
    return 2;
  }
  const url = settings.WANWATCH_INFLUX_URL!;
  let rows: AuditRow[];
  try {
    rows = await readAudit(influxClient(url, { maxRetries: 0 }), { ...range, limit });
  } catch (err) {
    process.stderr.write(`wanwatch audit: InfluxDB at ${redactUrl(url)}: ${(err as Error).message}\n`);
    return 1;
  }
  if (values.json) process.stdout.write(JSON.stringify(rows) + '\n');
  else for (const r of rows) process.stdout.write(line(r) + '\n');
  return 0;
}

function line(r: AuditRow): string {
  return [formatTime(r.atMs), r.tokenId, r.tokenName, r.role, r.method, r.route, r.target, String(r.status)]
    .map(terminalSafe)
    .join('\t');
}
