import type { InfluxDB } from 'influx';
import { decodeTagValue, encodeTagValue } from '../contract/index.ts';
import { IFACE_FIELDS, M, RP } from './influx-schema.ts';

/** One bucket of a link's figures: means over the bucket, null when no round had a reply. */
export interface SeriesPoint {
  timeMs: number;
  rttAvgMs: number | null;
  lossPct: number | null;
  jitterMs: number | null;
}

/** `'…'` string literal for InfluxQL (backslash and quote escaped). */
const literal = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * A device's per-link latency, loss and jitter of a recent period in buckets of `bucketMs`, from the
 * raw tracker rounds (`wan_iface`, RP raw): the read side the web console draws its sparklines from.
 * Keyed by interface name in a Map (names are data). An InfluxDB failure is thrown as it is.
 */
export async function readIfaceSeries(
  influx: InfluxDB,
  o: { deviceId: string; fromMs: number; toMs: number; bucketMs: number },
): Promise<Map<string, SeriesPoint[]>> {
  const bucketS = Math.max(1, Math.round(o.bucketMs / 1000));
  const q =
    `SELECT mean("${IFACE_FIELDS.rttAvgMs}") AS rtt, mean("${IFACE_FIELDS.lossPct}") AS loss, mean("${IFACE_FIELDS.jitterMs}") AS jitter ` +
    `FROM "${RP.raw}"."${M.iface}" WHERE "device" = ${literal(encodeTagValue(o.deviceId))} ` +
    `AND time >= ${Math.trunc(o.fromMs)}ms AND time <= ${Math.trunc(o.toMs)}ms ` +
    `GROUP BY time(${bucketS}s), "iface" fill(none)`;
  const rows = (await influx.query(q)) as unknown as Array<Record<string, unknown> & { time: Date }>;
  const out = new Map<string, SeriesPoint[]>();
  for (const r of rows) {
    const iface = decodeTagValue(String(r.iface ?? ''));
    let list = out.get(iface);
    if (!list) out.set(iface, (list = []));
    list.push({ timeMs: r.time.getTime(), rttAvgMs: num(r.rtt), lossPct: num(r.loss), jitterMs: num(r.jitter) });
  }
  for (const list of out.values()) list.sort((a, b) => a.timeMs - b.timeMs);
  return out;
}
