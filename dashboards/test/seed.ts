import { encodeTagValue, STATE_CODE, type IfaceState } from '../../contract/index.ts';
import { M, RP, retentionPolicies, transitionTimestampNs } from '../../store/index.ts';

/**
 * Seeds one InfluxDB database with the layout ingest/alerting produce (contract names, RPs, integer
 * fields with `i`, tag values through encodeTagValue), written as line protocol over plain HTTP so
 * the seeding does not depend on any other engineer's writer.
 */

const tagEsc = (v: string) => encodeTagValue(v).replace(/[ ,=]/g, '\\$&');
const strField = (v: string) => `"${v.replace(/[\\"]/g, '\\$&')}"`;
type FieldValue = number | string | { int: number };

export function line(
  measurement: string,
  tags: Record<string, string>,
  fields: Record<string, FieldValue | null>,
  ts: string | number,
): string {
  const t = Object.entries(tags)
    .map(([k, v]) => `${k}=${tagEsc(v)}`)
    .join(',');
  const f = Object.entries(fields)
    .filter((e): e is [string, FieldValue] => e[1] !== null)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? strField(v) : typeof v === 'number' ? String(v) : `${v.int}i`}`)
    .join(',');
  return `${measurement},${t} ${f} ${ts}`;
}

export async function influxQuery(baseUrl: string, db: string, q: string): Promise<InfluxResult> {
  const body = new URLSearchParams({ db, q, epoch: 'ms' });
  const res = await fetch(`${baseUrl}/query`, { method: 'POST', body });
  const json = (await res.json()) as { results?: InfluxResult[]; error?: string };
  if (!res.ok || json.error) throw new Error(`InfluxDB ${res.status}: ${json.error ?? ''} for ${q}`);
  const r = json.results?.[0];
  if (!r) throw new Error(`InfluxDB returned no result for ${q}`);
  return r;
}

export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: Array<Array<number | string | null>>;
}
export interface InfluxResult {
  error?: string;
  series?: InfluxSeries[];
}

export async function write(
  baseUrl: string,
  db: string,
  rp: string,
  lines: string[],
  precision: 'ms' | 'ns',
): Promise<void> {
  for (let i = 0; i < lines.length; i += 5000) {
    const res = await fetch(`${baseUrl}/write?db=${db}&rp=${rp}&precision=${precision}`, {
      method: 'POST',
      body: lines.slice(i, i + 5000).join('\n'),
    });
    if (res.status !== 204) throw new Error(`write ${rp}: ${res.status} ${await res.text()}`);
  }
}

export async function createSchema(baseUrl: string, db: string): Promise<void> {
  await influxQuery(baseUrl, db, `CREATE DATABASE "${db}"`);
  for (const rp of retentionPolicies()) {
    await influxQuery(
      baseUrl,
      db,
      `CREATE RETENTION POLICY "${rp.name}" ON "${db}" DURATION ${rp.duration} REPLICATION 1${rp.isDefault ? ' DEFAULT' : ''}`,
    );
  }
}

export interface SeedDevice {
  id: string;
  ifaces: string[];
  /** iface -> [startMs, endMs) during which it is offline. */
  outages: Record<string, [number, number]>;
  /** Latest cloud reachability, or none written. */
  reachable?: boolean;
  /** Registry name/site as the backend writes them to wan_device_info; removed: deleted since. */
  info?: { name: string; site: string | null; removed?: boolean };
}

const TARGETS = ['192.0.2.1', '198.51.100.7'];

/** Two hours of 30-second rounds, a 30-day hourly rollup, transitions, incidents, notifications, reachability. */
export async function seed(baseUrl: string, db: string, devices: SeedDevice[], nowMs: number): Promise<void> {
  const raw: string[] = [];
  const rollup: string[] = [];
  const forever: string[] = [];
  for (const d of devices) {
    let seq = 0;
    let round = 0;
    for (let t = nowMs - 2 * 3_600_000; t <= nowMs - 5_000; t += 30_000, round++) {
      const upIfaces: string[] = [];
      for (const [i, iface] of d.ifaces.entries()) {
        const out = d.outages[iface];
        const down = out !== undefined && t >= out[0] && t < out[1];
        const state: IfaceState = down ? 'offline' : 'online';
        if (!down) upIfaces.push(iface);
        const rtt = 10 + i * 15 + (round % 7);
        seq++;
        raw.push(
          line(
            M.iface,
            { device: d.id, iface },
            {
              state,
              state_code: { int: STATE_CODE[state] },
              up: { int: down ? 0 : 1 },
              score: { int: down ? 0 : 10 },
              round_ok: { int: down ? 0 : 1 },
              degraded: { int: 0 },
              rtt_avg_ms: down ? null : rtt,
              rtt_min_ms: down ? null : rtt - 2,
              rtt_max_ms: down ? null : rtt + 5,
              loss_pct: down ? 100 : round % 3,
              jitter_ms: down ? null : 1.5,
              seq: { int: seq },
              linux_device: `eth${i}`,
            },
            t,
          ),
        );
        for (const target of TARGETS) {
          raw.push(
            line(
              M.target,
              { device: d.id, iface, target },
              {
                status_text: down ? 'down' : 'up',
                up: { int: down ? 0 : 1 },
                sent: { int: 3 },
                received: { int: down ? 0 : 3 },
                rtt_avg_ms: down ? null : rtt + 1,
                rtt_min_ms: down ? null : rtt,
                rtt_max_ms: down ? null : rtt + 3,
                loss_pct: down ? 100 : 0,
                jitter_ms: down ? null : 1,
              },
              t,
            ),
          );
        }
      }
      if (round % 4 === 0) {
        const share = upIfaces.length > 0 ? Math.floor(100 / upIfaces.length) : 0;
        for (const iface of d.ifaces) {
          raw.push(
            line(
              M.policyMember,
              { device: d.id, policy: 'balanced', family: 'ipv4', iface },
              { share_pct: { int: upIfaces.includes(iface) ? share : 0 }, metric: { int: 1 }, weight: { int: 3 } },
              t,
            ),
          );
        }
        raw.push(
          line(
            M.policy,
            { device: d.id, policy: 'balanced', family: 'ipv4' },
            {
              active_members: upIfaces.join(','),
              last_resort: 'unreachable',
              last_resort_active: { int: upIfaces.length ? 0 : 1 },
            },
            t,
          ),
        );
      }
    }
    for (let t = nowMs - 30 * 86_400_000; t <= nowMs; t += 3_600_000) {
      const h = Math.floor(t / 3_600_000) * 3_600_000;
      for (const iface of d.ifaces) {
        const ratio = d.outages[iface] && (h / 3_600_000) % 50 === 0 ? 0.5 : 1;
        rollup.push(
          line(
            M.ifaceRollup,
            { device: d.id, iface },
            {
              rtt_avg_ms: 20,
              rtt_min_ms: 15,
              rtt_max_ms: 40,
              loss_pct: 1,
              jitter_ms: 1.5,
              up_ratio: ratio,
              up_min: { int: ratio < 1 ? 0 : 1 },
              rounds: { int: 120 },
            },
            h,
          ),
        );
        for (const target of TARGETS)
          rollup.push(
            line(
              M.targetRollup,
              { device: d.id, iface, target },
              { rtt_avg_ms: 21, loss_pct: 1, jitter_ms: 1, up_ratio: ratio },
              h,
            ),
          );
      }
    }
    let tseq = 100;
    // The reporter's start: every interface has a state from the beginning of the raw data.
    for (const iface of d.ifaces) {
      tseq++;
      forever.push(
        line(
          M.transition,
          { device: d.id, iface },
          {
            from_state: 'unknown',
            to_state: 'online',
            to_code: { int: STATE_CODE.online },
            up: { int: 1 },
            score: { int: 10 },
            reason: 'start',
            seq: { int: tseq },
            boot_id: 'boot-1',
          },
          transitionTimestampNs(nowMs - 2 * 3_600_000 - 30_000, tseq),
        ),
      );
    }
    for (const [iface, [start, end]] of Object.entries(d.outages)) {
      for (const [timeMs, fromS, to] of [
        [start, 'online', 'offline'],
        [end, 'offline', 'online'],
      ] as const) {
        if (timeMs > nowMs) continue;
        tseq++;
        forever.push(
          line(
            M.transition,
            { device: d.id, iface },
            {
              from_state: fromS,
              to_state: to,
              to_code: { int: STATE_CODE[to] },
              up: { int: to === 'online' ? 1 : 0 },
              score: { int: 0 },
              reason: `track: ${iface} ${to}`,
              seq: { int: tseq },
              boot_id: 'boot-1',
            },
            transitionTimestampNs(timeMs, tseq),
          ),
        );
        forever.push(
          line(
            M.incident,
            { device: d.id, kind: to === 'online' ? 'link_up' : 'link_down', status: 'notified' },
            {
              incident_id: `inc-${tseq}`,
              iface_name: iface,
              title: `${iface} ${to === 'online' ? 'UP' : 'DOWN'}`,
              text: `${to === 'online' ? 'link_up' : 'link_down'} (notified)`,
              duration_ms: to === 'online' ? { int: end - start } : null,
            },
            `${timeMs + 1000}000000`,
          ),
        );
        forever.push(
          line(
            M.notification,
            { device: d.id, status: 'sent' },
            {
              incident_id: `inc-${tseq}`,
              notification_id: `n-${tseq}`,
              recipients: 'noc@example.org',
              subject: `${iface} ${to === 'online' ? 'UP' : 'DOWN'}`,
              attempt: { int: 1 },
              error: '',
              message_id: `<m${tseq}@wanwatch>`,
            },
            `${timeMs + 5000}000000`,
          ),
        );
      }
    }
    if (d.info) {
      forever.push(
        line(
          M.deviceInfo,
          { device: d.id },
          { name: d.info.name, site: d.info.site ?? '', removed: { int: 0 } },
          `${nowMs - 86_400_000}000000`,
        ),
      );
      if (d.info.removed)
        forever.push(
          line(
            M.deviceInfo,
            { device: d.id },
            { name: d.info.name, site: d.info.site ?? '', removed: { int: 1 } },
            `${nowMs - 60_000}000000`,
          ),
        );
    }
    if (d.reachable !== undefined) {
      forever.push(
        line(
          M.deviceState,
          { device: d.id },
          {
            state: d.reachable ? 'reachable' : 'unreachable',
            reachable: { int: d.reachable ? 1 : 0 },
            last_seen_ms: { int: nowMs - 60_000 },
          },
          `${nowMs - 50_000}000000`,
        ),
      );
    }
  }
  await write(baseUrl, db, RP.raw, raw, 'ms');
  await write(baseUrl, db, RP.rollup, rollup, 'ms');
  await write(baseUrl, db, RP.forever, forever, 'ns');
}
