import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { datasourceYaml, dashboardProvidersYaml } from './core/provisioning.ts';
import type { PlacedDashboard } from './dashboard-set.ts';

export interface ExportResult {
  dir: string;
  files: string[];
}

/**
 * Writes a provisioning set a stock Grafana loads as is:
 *   DIR/provisioning/datasources/wanwatch.yaml   (InfluxDB datasource, fixed uid)
 *   DIR/provisioning/dashboards/wanwatch.yaml    (one file provider per folder)
 *   DIR/dashboards/<folderUid>/<dashboardUid>.json (bare dashboard models)
 * Point Grafana's `[paths] provisioning` at DIR/provisioning (or copy the two YAML files into
 * /etc/grafana/provisioning); the providers name DIR/dashboards/... by absolute path.
 */
export function exportDashboards(outDir: string, items: PlacedDashboard[], influxUrl: string): ExportResult {
  const dir = resolve(outDir);
  const files: string[] = [];
  const put = (path: string, text: string, mode = 0o644) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text, { mode });
    files.push(path);
  };
  const folders = new Map<string, { uid: string; title: string; path: string }>();
  for (const { folder, dashboard } of items) {
    const path = join(dir, 'dashboards', folder.uid);
    folders.set(folder.uid, { ...folder, path });
    put(join(path, `${String(dashboard.uid)}.json`), JSON.stringify(dashboard, null, 2) + '\n');
  }
  // The datasource file may carry the InfluxDB password (from WANWATCH_INFLUX_URL): owner-only.
  put(join(dir, 'provisioning', 'datasources', 'wanwatch.yaml'), datasourceYaml(influxUrl), 0o600);
  put(join(dir, 'provisioning', 'dashboards', 'wanwatch.yaml'), dashboardProvidersYaml([...folders.values()]));
  return { dir, files };
}
