import { signLink } from './signed-links.ts';

/**
 * Where signed links point, built by reports and alerting alike (docs/reports.md, "Share links";
 * docs/alerts.md, "Acknowledgement links"). Outside /api/v1: these pages are opened without a
 * token, by the link alone.
 */
export const SHARE_PREFIX = '/share';

/** Path of the shared uptime report of one device, or of the fleet when `deviceId` is null. */
export function sharedUptimePath(deviceId: string | null): string {
  return deviceId === null
    ? `${SHARE_PREFIX}/uptime`
    : `${SHARE_PREFIX}/devices/${encodeURIComponent(deviceId)}/uptime`;
}

/** Path of the acknowledgement page of one incident. */
export function ackPath(incidentId: string): string {
  return `/ack/${encodeURIComponent(incidentId)}`;
}

/** What a shared report shows: the uptime query parameters it is opened with. */
export interface SharedReport {
  deviceId: string | null;
  from?: string;
  to?: string;
  /** `html` (default) or `csv`. */
  format?: 'html' | 'csv';
  tz?: string;
}

/** Absolute signed link makers for a public base URL (WANWATCH_PUBLIC_URL) and the link key. */
export function linkMaker(publicUrl: string, key: Buffer) {
  const base = publicUrl.replace(/\/+$/, '');
  return {
    report(r: SharedReport, expMs: number): string {
      const params: Array<[string, string]> = [];
      for (const k of ['from', 'to', 'format', 'tz'] as const) if (r[k] !== undefined) params.push([k, r[k]]);
      return base + signLink(key, sharedUptimePath(r.deviceId), params, expMs);
    },
    ack(a: { deviceId: string; incidentId: string; by: string }, expMs: number): string {
      return (
        base +
        signLink(
          key,
          ackPath(a.incidentId),
          [
            ['device', a.deviceId],
            ['by', a.by],
          ],
          expMs,
        )
      );
    },
  };
}
export type LinkMaker = ReturnType<typeof linkMaker>;
