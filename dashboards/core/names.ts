import { createHash } from 'node:crypto';
import { encodeTagValue } from '../../contract/index.ts';

/**
 * Stable names shared by the generated dashboards, the provisioning files and the sync: a dashboard
 * keeps its uid (and so its URL, stars and deep links) for as long as the device keeps its id.
 */

/** The datasource every panel and query names; the provisioning YAML creates it with this uid. */
export const DATASOURCE_UID = 'wanwatch-influx';
export const DATASOURCE = { type: 'influxdb', uid: DATASOURCE_UID } as const;

/** Fleet dashboard uid. Device uids start with `ww-`, so no device id can collide with it. */
export const FLEET_UID = 'wanwatch-fleet';
/** The templated device dashboard (`$device`); `/d/wanwatch-device?var-device=<id>` opens one device. */
export const DEVICE_TEMPLATE_UID = 'wanwatch-device';
/** Folder of the fleet dashboard and of devices without a site. */
export const DEFAULT_FOLDER = { uid: 'wanwatch', title: 'wanwatch' } as const;

/** Grafana accepts uids of at most 40 characters from `[A-Za-z0-9_-]`. */
const UID_MAX = 40;
const SAFE = /^[A-Za-z0-9_-]+$/;

function hash10(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 10);
}

/**
 * `prefix + id` when that is a valid uid; otherwise the sanitized id cut to fit plus a hash of the
 * full id, so two ids that sanitize alike still get different uids.
 *
 * | id                      | uid                          |
 * |-------------------------|------------------------------|
 * | `ce-0001`               | `ww-ce-0001`                 |
 * | `Zürich/1`              | `ww-Z_rich_1-<hash10>`       |
 * | 60 safe chars           | `ww-<first 26>-<hash10>`     |
 */
function stableUid(prefix: string, id: string): string {
  const plain = prefix + id;
  if (SAFE.test(id) && plain.length <= UID_MAX) return plain;
  const room = UID_MAX - prefix.length - 11;
  return `${prefix}${id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, room)}-${hash10(id)}`;
}

export function deviceDashboardUid(deviceId: string): string {
  return stableUid('ww-', deviceId);
}

/** One folder per site (devices without a site go to the default folder). Folder uids share one
 * namespace with dashboard uids in Grafana, hence a prefix (`wwsite-`) no device uid (`ww-`) starts with. */
export function siteFolder(site: string | null): { uid: string; title: string } {
  if (site === null || site.trim() === '') return DEFAULT_FOLDER;
  return { uid: stableUid('wwsite-', site), title: `Site ${site}` };
}

/**
 * Where a device's dashboard is, in every mode: the templated dashboard with `var-device` (the id
 * as stored in InfluxDB), which exists whether or not per-device dashboards are generated.
 */
export function deviceDashboardPath(deviceId: string): string {
  return `/d/${DEVICE_TEMPLATE_UID}?var-device=${encodeURIComponent(encodeTagValue(deviceId))}`;
}
