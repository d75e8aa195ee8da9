import type { InfluxDB } from 'influx';
import { decodeTagValue } from '../contract/index.ts';
import { INCIDENT_FIELDS, M, RP } from './influx-schema.ts';

/** One incident row as alerting recorded it (`wan_incident`, RP forever). */
export interface IncidentRow {
  timeMs: number;
  deviceId: string;
  kind: string;
  status: string;
  incidentId: string;
  iface: string | null;
  title: string;
}

/**
 * The fleet's incident rows of a period, newest first (at most `limit`): the read side of what
 * alerting's recorder writes, shared so the web console lists incidents without importing alerting.
 * An InfluxDB failure is thrown as it is (the caller says what was not shown).
 */
export async function readRecentIncidents(
  influx: InfluxDB,
  o: { fromMs: number; toMs: number; limit: number },
): Promise<IncidentRow[]> {
  const fromMs = Math.trunc(o.fromMs);
  const toMs = Math.trunc(o.toMs);
  const limit = Math.max(1, Math.min(5000, Math.trunc(o.limit)));
  const rows = (await influx.query(
    `SELECT * FROM "${RP.forever}"."${M.incident}" WHERE time >= ${fromMs}ms AND time <= ${toMs}ms ORDER BY time DESC LIMIT ${limit}`,
  )) as unknown as Array<Record<string, unknown> & { time: Date }>;
  return rows.map((r) => ({
    timeMs: r.time.getTime(),
    deviceId: decodeTagValue(String(r.device ?? '')),
    kind: String(r.kind ?? ''),
    status: String(r.status ?? ''),
    incidentId: String(r[INCIDENT_FIELDS.incidentId] ?? ''),
    iface: r[INCIDENT_FIELDS.iface] ? String(r[INCIDENT_FIELDS.iface]) : null,
    title: String(r[INCIDENT_FIELDS.title] ?? ''),
  }));
}
