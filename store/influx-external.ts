import { RP } from './influx-schema.ts';
import { continuousQueries, parseInfluxUrl, redactUrl } from './influx-setup.ts';

/**
 * `WANWATCH_INFLUX_SCHEMA=external`: an administrator made the database, retention policies and
 * (optionally) continuous queries; wanwatch creates nothing and checks at start what its user can
 * see, so a missing piece stops start-up with its name instead of failing later on every write.
 */
export interface ExternalSchemaReport {
  /** Each blocking problem, naming what is missing or refused; empty = usable. */
  problems: string[];
  /** Retention policies found (undefined: the user may not list them, or the API has no such listing). */
  retentionPolicies?: string[];
  /**
   * The 1-minute rollups: `continuous-queries` when both of wanwatch's CQs exist, `none` when the
   * listing shows them missing, `unknown` when the listing was refused. Without them the 400-day
   * rollup stays empty; the dashboards' raw resolution (aggregated at query time) still covers the
   * raw retention.
   */
  rollups: 'continuous-queries' | 'none' | 'unknown';
}

/** The RPs wanwatch writes to (ingest: raw; alerting, device info: forever). `rollup_1m` is the CQs' only. */
const WRITTEN_RPS = [RP.raw, RP.forever, RP.audit];

interface Answer {
  status: number;
  text: string;
}

/**
 * Checks an externally managed InfluxDB: reachable, the user authenticates, may read (`SHOW
 * RETENTION POLICIES`), may write into `raw`, `forever` and `audit` (an empty write: authorised and the RP
 * resolved, nothing stored), and which CQs exist. Network errors throw (InfluxDB down is not a
 * schema problem).
 */
export async function checkExternalSchema(url: string, timeoutMs = 10_000): Promise<ExternalSchemaReport> {
  const o = parseInfluxUrl(url);
  const base = `${o.protocol}://${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`;
  const headers: Record<string, string> = o.username
    ? { authorization: `Basic ${Buffer.from(`${o.username}:${o.password ?? ''}`).toString('base64')}` }
    : {};
  const call = async (path: string, init: RequestInit = {}): Promise<Answer> => {
    const res = await fetch(`${base}${path}`, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, text: await res.text() };
  };
  const query = (q: string) => call(`/query?${new URLSearchParams({ db: o.database, q })}`);
  const who = o.username ? `user "${o.username}"` : 'no user (set WANWATCH_INFLUX_USERNAME)';
  const problems: string[] = [];

  const rps = await query(`SHOW RETENTION POLICIES ON "${o.database}"`);
  if (rps.status === 401) {
    return { problems: [`InfluxDB at ${redactUrl(url)} refused the credentials of ${who}`], rollups: 'unknown' };
  }
  const rpError = errorOf(rps);
  let retentionPolicies: string[] | undefined;
  if (/database not found/i.test(rpError ?? '')) {
    problems.push(`database "${o.database}" does not exist (CREATE DATABASE "${o.database}")`);
  } else if (rpError === undefined) {
    retentionPolicies = valuesOf(rps.text).map((v) => String(v[0]));
    for (const rp of WRITTEN_RPS) {
      if (!retentionPolicies.includes(rp)) problems.push(`retention policy "${rp}" is missing on "${o.database}"`);
    }
  } else if (rps.status === 403) {
    problems.push(`${who} may not read database "${o.database}" (${rpError}); it needs READ and WRITE on it`);
  }
  // Listing refused or not offered (InfluxDB 2.x/3.x v1 API): the writes below still prove each RP.
  if (problems.length === 0) {
    for (const rp of WRITTEN_RPS) {
      const w = await call(`/write?${new URLSearchParams({ db: o.database, rp, precision: 'ms' })}`, {
        method: 'POST',
        body: '',
      });
      // Only a refusal or a missing target is a problem: an API that answers an empty body with
      // 400 (nothing to write) has still authorised it.
      if (w.status === 401 || w.status === 403 || w.status === 404 || /not found/i.test(w.text))
        problems.push(`cannot write into "${o.database}"."${rp}": ${w.status} ${w.text.trim()}`);
    }
  }
  return { problems, ...(retentionPolicies ? { retentionPolicies } : {}), rollups: await rollupsOf(query, o.database) };
}

async function rollupsOf(query: (q: string) => Promise<Answer>, db: string): Promise<ExternalSchemaReport['rollups']> {
  const a = await query('SHOW CONTINUOUS QUERIES').catch(() => undefined);
  if (!a || a.status >= 300 || errorOf(a) !== undefined) return 'unknown';
  const series = (JSON.parse(a.text) as Raw).results?.[0]?.series?.find((s) => s.name === db);
  const names = new Set((series?.values ?? []).map((v) => String(v[0])));
  return continuousQueries(db).every((cq) => names.has(cq.name)) ? 'continuous-queries' : 'none';
}

interface Raw {
  error?: string;
  results?: Array<{ error?: string; series?: Array<{ name?: string; values?: unknown[][] }> }>;
}

function errorOf(a: Answer): string | undefined {
  try {
    const j = JSON.parse(a.text) as Raw;
    return j.error ?? j.results?.[0]?.error ?? (a.status >= 300 ? `HTTP ${a.status}` : undefined);
  } catch {
    return `HTTP ${a.status}: ${a.text.slice(0, 200)}`;
  }
}

function valuesOf(text: string): unknown[][] {
  return (JSON.parse(text) as Raw).results?.[0]?.series?.[0]?.values ?? [];
}

/** The message that stops start-up in external mode. */
export function externalSchemaMessage(url: string, report: ExternalSchemaReport): string {
  return (
    `WANWATCH_INFLUX_SCHEMA=external: InfluxDB at ${redactUrl(url)} is not ready for wanwatch:\n` +
    report.problems.map((p) => `  - ${p}`).join('\n') +
    '\nAn administrator creates the database and retention policies (docs/deploy.md, "InfluxDB schema"), ' +
    'or use WANWATCH_INFLUX_SCHEMA=managed with an admin user.'
  );
}
