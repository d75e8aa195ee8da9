import { viaRedis } from './adapters/outage.ts';
import type { AlertStore, StoredOverride } from './adapters/store.ts';
import { qualityThresholds, type QualityOptions } from './core/quality-events.ts';
import { resolveThresholds } from './core/quality-overrides.ts';
import type { QualityThresholds } from './core/quality.ts';

/**
 * The link quality thresholds of a device's links, with the overrides for its site, itself and
 * each link applied (docs/alerts.md, "Link quality"); undefined when the evaluation is off.
 * Read once per inbox drain, so an override takes effect with the device's next report.
 */
export async function linkThresholds(
  store: Pick<AlertStore, 'qualityOverrides' | 'deviceRecord'>,
  options: Partial<QualityOptions>,
  deviceId: string,
): Promise<((iface: string) => QualityThresholds) | undefined> {
  const base = qualityThresholds(options);
  if (!base) return undefined;
  const overrides = await viaRedis(() => store.qualityOverrides());
  if (overrides.length === 0) return () => base;
  const site = (await viaRedis(() => store.deviceRecord(deviceId)))?.site ?? null;
  const find = (f: (o: StoredOverride) => boolean) => overrides.find(f)?.thresholds;
  const siteO = find((o) => o.scope === 'site' && o.site === site);
  const deviceO = find((o) => o.scope === 'device' && o.deviceId === deviceId);
  return (iface) =>
    resolveThresholds(base, {
      site: siteO,
      device: deviceO,
      link: find((o) => o.scope === 'link' && o.deviceId === deviceId && o.iface === iface),
    });
}
