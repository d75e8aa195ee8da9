import type { InfluxDB } from 'influx';
import { DEFAULT_RAW_RETENTION } from './influx-schema.ts';
import { continuousQueries, retentionPolicies, schemaStatements, type SchemaStatement } from './influx-setup.ts';

export interface InfluxSchemaOptions {
  /** Duration of RP `raw` (InfluxQL duration, e.g. `30d`). */
  rawRetention?: string;
  /** Database; defaults to the client's. */
  database?: string;
}

/** InfluxDB prints durations as `720h0m0s`; compare in seconds. INF is `0s`. */
export function durationSeconds(d: string): number {
  if (d === 'INF' || d === 'inf') return 0;
  let total = 0;
  const unit: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 };
  for (const [, n, u] of d.matchAll(/(\d+)(w|d|h|m|s)/g)) total += Number(n) * unit[u!]!;
  return total;
}

/** InfluxDB stores a CQ's text normalised (quotes dropped); compare without quotes and whitespace runs. */
const normalise = (q: string) => q.replace(/"/g, '').replace(/\s+/g, ' ').trim().toLowerCase();

/**
 * Creates the database, the retention policies (`raw` default, `rollup_1m`, `forever`) and the
 * rollup continuous queries. Idempotent on InfluxDB 1.6+: an RP with other attributes is altered,
 * a CQ whose text changed is dropped and re-created, everything else is left alone.
 */
export async function ensureInfluxSchema(influx: InfluxDB, opts: InfluxSchemaOptions = {}): Promise<void> {
  const db = opts.database ?? (influx as unknown as { _options: { database?: string } })._options.database;
  if (!db) throw new Error('ensureInfluxSchema: no database (name it in WANWATCH_INFLUX_URL)');
  const rawRetention = opts.rawRetention ?? DEFAULT_RAW_RETENTION;
  const stmts = schemaStatements(db, rawRetention);
  const step = <T>(what: string, run: () => Promise<T>) => refusalNamed(stmts, what, run);
  await step(`database ${db}`, () => influx.createDatabase(db));
  const existing = await influx.showRetentionPolicies(db);
  for (const rp of retentionPolicies(rawRetention)) {
    const cur = existing.find((e) => e.name === rp.name);
    const spec = { database: db, duration: rp.duration, replication: 1, isDefault: rp.isDefault };
    const what = `retention policy ${rp.name}`;
    if (!cur) await step(what, () => influx.createRetentionPolicy(rp.name, spec));
    else if (durationSeconds(cur.duration) !== durationSeconds(rp.duration) || cur.default !== rp.isDefault) {
      await step(what, () => influx.alterRetentionPolicy(rp.name, spec));
    }
  }
  const cqs = await continuousQueriesOf(influx, db);
  for (const cq of continuousQueries(db)) {
    const cur = cqs.find((c) => c.name === cq.name);
    if (cur && normalise(cur.query).includes(normalise(cq.select))) continue;
    const what = `continuous query ${cq.name}`;
    if (cur) await step(what, () => influx.dropContinuousQuery(cq.name, db));
    await step(what, () => influx.createContinuousQuery(cq.name, cq.select, db));
  }
}

/** Thrown when InfluxDB refuses a schema statement in `managed` mode; the message says what to do. */
export class SchemaStatementRefused extends Error {
  override name = 'SchemaStatementRefused';
}

/**
 * Runs one schema step; when InfluxDB refuses it for lack of rights (401/403, "requires admin"),
 * or as a statement its API does not take (InfluxDB 2.x/3.x v1 API), the error names the
 * statement and the two ways out. Other errors (InfluxDB down) pass unchanged.
 */
async function refusalNamed<T>(stmts: SchemaStatement[], what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const msg = (err as Error).message;
    if (!/\b(401|403|404|405|501)\b|authoriz|privilege|not implemented|not supported|unsupported/i.test(msg)) throw err;
    const statement = stmts.find((s) => s.what === what)?.statement ?? what;
    throw new SchemaStatementRefused(
      `InfluxDB refused \`${statement}\` (${msg.slice(0, 300)}). WANWATCH_INFLUX_SCHEMA=managed creates the ` +
        'database, retention policies and continuous queries itself and needs an InfluxDB admin user. Either ' +
        'set WANWATCH_INFLUX_SCHEMA=external and have an administrator run the statements in docs/deploy.md ' +
        '("InfluxDB schema"), or grant this user admin rights (GRANT ALL PRIVILEGES TO "<user>").',
      { cause: err },
    );
  }
}

/**
 * The CQs of one database. node-influx's showContinousQueries flattens the answer of
 * `SHOW CONTINUOUS QUERIES`, which lists every database (one series each), so a CQ of another
 * database with the same name would look like ours.
 */
export async function continuousQueriesOf(
  influx: InfluxDB,
  db: string,
): Promise<Array<{ name: string; query: string }>> {
  const raw = (await influx.queryRaw('SHOW CONTINUOUS QUERIES')) as {
    results?: Array<{ series?: Array<{ name: string; columns: string[]; values?: unknown[][] }> }>;
  };
  const series = raw.results?.[0]?.series?.find((s) => s.name === db);
  if (!series) return [];
  const iName = series.columns.indexOf('name');
  const iQuery = series.columns.indexOf('query');
  return (series.values ?? []).map((v) => ({ name: String(v[iName]), query: String(v[iQuery]) }));
}
