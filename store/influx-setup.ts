import {
  M,
  RP,
  ROLLUP_RETENTION,
  AUDIT_RETENTION,
  DEFAULT_RAW_RETENTION,
  IFACE_FIELDS as F,
  TARGET_FIELDS as T,
} from './influx-schema.ts';

/** node-influx style options parsed from WANWATCH_INFLUX_URL (`http://user:pass@host:8086/wanwatch`). */
export interface InfluxUrlOptions {
  protocol: 'http' | 'https';
  host: string;
  port: number;
  database: string;
  username?: string;
  password?: string;
}

export function parseInfluxUrl(url: string): InfluxUrlOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`WANWATCH_INFLUX_URL is not a URL: expected http://[user:pass@]host:port/database`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new Error('WANWATCH_INFLUX_URL: protocol must be http or https');
  const database = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, ''));
  if (!database)
    throw new Error('WANWATCH_INFLUX_URL: the path must name the database, e.g. http://127.0.0.1:8086/wanwatch');
  if (!/^[A-Za-z0-9_-]+$/.test(database))
    throw new Error('WANWATCH_INFLUX_URL: database name may contain only letters, digits, "_" and "-"');
  const protocol = u.protocol === 'https:' ? 'https' : 'http';
  return {
    protocol,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : protocol === 'https' ? 443 : 8086,
    database,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
}

/**
 * The InfluxDB URL with WANWATCH_INFLUX_USERNAME / _PASSWORD put in its user part (they win over
 * the URL's), so every client built from the URL authenticates alike; `redactUrl` hides the password.
 */
export function influxUrlWithCredentials(url: string, username?: string, password?: string): string {
  if (username === undefined && password === undefined) return url;
  const u = new URL(url);
  if (username !== undefined) u.username = encodeURIComponent(username);
  if (password !== undefined) u.password = encodeURIComponent(password);
  return u.toString().replace(/\/$/, '');
}

/** The URL with its password replaced, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}

export interface RetentionPolicySpec {
  name: string;
  duration: string;
  isDefault: boolean;
}

export function retentionPolicies(rawRetention = DEFAULT_RAW_RETENTION): RetentionPolicySpec[] {
  return [
    { name: RP.raw, duration: rawRetention, isDefault: true },
    { name: RP.rollup, duration: ROLLUP_RETENTION, isDefault: false },
    { name: RP.forever, duration: 'INF', isDefault: false },
    { name: RP.audit, duration: AUDIT_RETENTION, isDefault: false },
  ];
}

export interface ContinuousQuerySpec {
  name: string;
  /** The SELECT … INTO … text (without CREATE CONTINUOUS QUERY … BEGIN/END). */
  select: string;
}

/** 1-minute rollups of the raw measurements into RP rollup_1m (kept 400 days). `GROUP BY *` keeps the tags. */
export function continuousQueries(db: string): ContinuousQuerySpec[] {
  const q = (s: string) => `"${s}"`;
  const src = (m: string) => `${q(db)}.${q(RP.raw)}.${q(m)}`;
  const dst = (m: string) => `${q(db)}.${q(RP.rollup)}.${q(m)}`;
  return [
    {
      name: 'cq_wan_iface_1m',
      select:
        `SELECT mean(${q(F.rttAvgMs)}) AS ${q(F.rttAvgMs)}, min(${q(F.rttMinMs)}) AS ${q(F.rttMinMs)}, ` +
        `max(${q(F.rttMaxMs)}) AS ${q(F.rttMaxMs)}, mean(${q(F.lossPct)}) AS ${q(F.lossPct)}, ` +
        `mean(${q(F.jitterMs)}) AS ${q(F.jitterMs)}, mean(${q(F.up)}) AS ${q('up_ratio')}, ` +
        `min(${q(F.up)}) AS ${q('up_min')}, count(${q(F.score)}) AS ${q('rounds')} ` +
        `INTO ${dst(M.ifaceRollup)} FROM ${src(M.iface)} GROUP BY time(1m), *`,
    },
    {
      name: 'cq_wan_target_1m',
      select:
        `SELECT mean(${q(T.rttAvgMs)}) AS ${q(T.rttAvgMs)}, mean(${q(T.lossPct)}) AS ${q(T.lossPct)}, ` +
        `mean(${q(T.jitterMs)}) AS ${q(T.jitterMs)}, mean(${q(T.up)}) AS ${q('up_ratio')} ` +
        `INTO ${dst(M.targetRollup)} FROM ${src(M.target)} GROUP BY time(1m), *`,
    },
  ];
}

/** One statement of the managed schema, and what it makes (for messages and the administrator's list). */
export interface SchemaStatement {
  what: string;
  statement: string;
}

/**
 * The InfluxQL that makes wanwatch's schema on InfluxDB 1.x: what `managed` mode runs (through
 * node-influx, same effect) and what an administrator runs once for `external` mode
 * (docs/deploy.md lists them for the database `wanwatch`).
 */
export function schemaStatements(db: string, rawRetention = DEFAULT_RAW_RETENTION): SchemaStatement[] {
  const q = (s: string) => `"${s}"`;
  return [
    { what: `database ${db}`, statement: `CREATE DATABASE ${q(db)}` },
    ...retentionPolicies(rawRetention).map((rp) => ({
      what: `retention policy ${rp.name}`,
      statement: `CREATE RETENTION POLICY ${q(rp.name)} ON ${q(db)} DURATION ${rp.duration} REPLICATION 1${rp.isDefault ? ' DEFAULT' : ''}`,
    })),
    ...continuousQueries(db).map((cq) => ({
      what: `continuous query ${cq.name}`,
      statement: `CREATE CONTINUOUS QUERY ${q(cq.name)} ON ${q(db)} BEGIN ${cq.select} END`,
    })),
  ];
}
