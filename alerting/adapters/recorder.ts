import { createHash } from 'node:crypto';
import type { InfluxDB, IPoint } from 'influx';
import { encodeTagValue } from '../../contract/index.ts';
import {
  DEVICE_STATE_FIELDS,
  INCIDENT_FIELDS,
  LINK_QUALITY_FIELDS,
  M,
  NOTIFICATION_FIELDS,
  RP,
  TAG,
  type DeviceReachability,
  type IncidentKind,
  type NotificationStatus,
} from '../../store/index.ts';
import type { DisposedItem, Notice } from '../core/notice.ts';
import type { QualityRecord } from '../core/quality-events.ts';
import { classifyInfluxError } from './outage.ts';

/** Nanosecond timestamp: ms plus a stable sub-ms part from `id`, so distinct records in one ms do not overwrite each other but a replay rewrites the same point. */
function tsNs(ms: number, id: string): string {
  const sub = createHash('sha1').update(id).digest().readUInt32BE(0) % 1_000_000;
  return (BigInt(Math.round(ms)) * 1_000_000n + BigInt(sub)).toString();
}

const incidentKind = (d: DisposedItem): IncidentKind => (d.item.kind === 'flapping_ended' ? 'flapping' : d.item.kind);

/** wan_incident `status` tag: what was done with it (notified | silenced | inhibited | damped). */
const incidentStatus = (d: DisposedItem) => (d.disposition === 'notify' ? 'notified' : d.disposition);

export interface NotificationRecord {
  deviceId: string;
  notificationId: string;
  incidentId: string;
  status: NotificationStatus;
  recipients: string[];
  subject: string;
  attempt: number;
  error: string | null;
  messageId: string;
  atMs: number;
}

/**
 * Group commit: points written within `lingerMs` go to InfluxDB in one request; every caller's
 * promise settles with that request, so a caller still knows its record is durable (or not).
 */
export function batchedWriter(writeBatch: (points: IPoint[]) => Promise<void>, lingerMs = 20) {
  let pending: Array<{ points: IPoint[]; resolve: () => void; reject: (e: unknown) => void }> = [];
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    timer = null;
    const batch = pending;
    pending = [];
    writeBatch(batch.flatMap((b) => b.points)).then(
      () => batch.forEach((b) => b.resolve()),
      (err) => batch.forEach((b) => b.reject(err)),
    );
  };
  return (points: IPoint[]) =>
    new Promise<void>((resolve, reject) => {
      pending.push({ points, resolve, reject });
      timer ??= setTimeout(flush, lingerMs);
    });
}

/** Writes incidents, notification attempts and device reachability to InfluxDB (RP forever); an unreachable InfluxDB throws OutageError. */
export function createRecorder(influx: InfluxDB) {
  const write = batchedWriter((points) =>
    influx.writePoints(points, { retentionPolicy: RP.forever, precision: 'n' }).catch((err: unknown) => {
      throw classifyInfluxError(err);
    }),
  );
  return {
    async incidents(notice: Notice, title: string): Promise<void> {
      const points = notice.items.map((d) => {
        const iface = 'iface' in d.item ? d.item.iface : null;
        const durationMs = d.item.kind === 'link_up' ? d.item.durationMs : null;
        return {
          measurement: M.incident,
          tags: {
            [TAG.device]: encodeTagValue(notice.deviceId),
            [TAG.kind]: incidentKind(d),
            [TAG.status]: incidentStatus(d),
          },
          fields: {
            [INCIDENT_FIELDS.incidentId]: d.item.id,
            [INCIDENT_FIELDS.iface]: iface ?? '',
            [INCIDENT_FIELDS.title]: title,
            [INCIDENT_FIELDS.text]: `${d.item.kind} (${d.reason})`,
            ...(durationMs !== null ? { [INCIDENT_FIELDS.durationMs]: durationMs } : {}),
          },
          timestamp: tsNs(d.item.atMs, `${notice.id}/${d.item.id}`),
        };
      });
      if (points.length) await write(points);
    },
    async notification(r: NotificationRecord): Promise<void> {
      await write([
        {
          measurement: M.notification,
          tags: { [TAG.device]: encodeTagValue(r.deviceId), [TAG.status]: r.status },
          fields: {
            [NOTIFICATION_FIELDS.incidentId]: r.incidentId,
            [NOTIFICATION_FIELDS.notificationId]: r.notificationId,
            [NOTIFICATION_FIELDS.recipients]: r.recipients.join(','),
            [NOTIFICATION_FIELDS.subject]: r.subject,
            [NOTIFICATION_FIELDS.attempt]: r.attempt,
            [NOTIFICATION_FIELDS.error]: r.error ?? '',
            [NOTIFICATION_FIELDS.messageId]: r.messageId,
          },
          timestamp: tsNs(r.atMs, `${r.notificationId}/${r.status}/${r.attempt}`),
        },
      ]);
    },
    /** An acknowledgement, as an incident point (status `acknowledged`) so the events API shows it and who. */
    async ack(a: {
      deviceId: string;
      incidentId: string;
      kind: IncidentKind;
      iface: string | null;
      by: string;
      comment: string;
      atMs: number;
    }) {
      await write([
        {
          measurement: M.incident,
          tags: { [TAG.device]: encodeTagValue(a.deviceId), [TAG.kind]: a.kind, [TAG.status]: 'acknowledged' },
          fields: {
            [INCIDENT_FIELDS.incidentId]: a.incidentId,
            [INCIDENT_FIELDS.iface]: a.iface ?? '',
            [INCIDENT_FIELDS.title]: `acknowledged by ${a.by}`,
            [INCIDENT_FIELDS.text]: a.comment,
          },
          timestamp: tsNs(a.atMs, `${a.incidentId}/ack`),
        },
      ]);
    },
    /** Changes of links' degraded verdicts; a replayed job rewrites the same points (same timestamps). */
    async linkQuality(deviceId: string, records: QualityRecord[]): Promise<void> {
      if (records.length === 0) return;
      await write(
        records.map((r) => {
          const fields: IPoint['fields'] = {
            [LINK_QUALITY_FIELDS.degraded]: r.degraded,
            [LINK_QUALITY_FIELDS.source]: r.source,
          };
          if (r.figures) {
            fields[LINK_QUALITY_FIELDS.lossPct] = r.figures.lossPct;
            if (r.figures.rttP95Ms !== null) fields[LINK_QUALITY_FIELDS.rttP95Ms] = r.figures.rttP95Ms;
            if (r.figures.jitterMs !== null) fields[LINK_QUALITY_FIELDS.jitterMs] = r.figures.jitterMs;
          }
          return {
            measurement: M.linkQuality,
            tags: { [TAG.device]: encodeTagValue(deviceId), [TAG.iface]: encodeTagValue(r.iface) },
            fields,
            timestamp: tsNs(r.atMs, `${deviceId}/${r.iface}/${r.source}/${r.degraded}`),
          };
        }),
      );
    },
    async deviceState(deviceId: string, state: DeviceReachability, lastSeenMs: number, atMs: number): Promise<void> {
      await write([
        {
          measurement: M.deviceState,
          tags: { [TAG.device]: encodeTagValue(deviceId) },
          fields: {
            [DEVICE_STATE_FIELDS.state]: state,
            [DEVICE_STATE_FIELDS.reachable]: state === 'reachable' ? 1 : 0,
            [DEVICE_STATE_FIELDS.lastSeenMs]: Math.round(lastSeenMs),
          },
          timestamp: tsNs(atMs, `${deviceId}/${state}`),
        },
      ]);
    },
  };
}
export type Recorder = ReturnType<typeof createRecorder>;
