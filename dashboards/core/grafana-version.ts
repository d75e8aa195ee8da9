import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';

/**
 * The Grafana majors the generated JSON is valid for (checked in the tests against
 * `@grafana/schema` of each). 13 is the current major, 12 the previous one; 11.6 is still widely
 * deployed and costs one difference (the schemaVersion).
 */
export const SUPPORTED_GRAFANA = [11, 12, 13] as const;
export type GrafanaMajor = (typeof SUPPORTED_GRAFANA)[number];
/** JSON for 12 loads in 12 and 13 (Grafana migrates older schema versions forward, never back). */
export const DEFAULT_GRAFANA: GrafanaMajor = 12;

/** The `schemaVersion` each major writes itself (its `defaultDashboard`). */
const SCHEMA_VERSION: Record<GrafanaMajor, number> = { 11: 41, 12: 42, 13: 42 };

export function parseGrafanaMajor(v: string | undefined): GrafanaMajor {
  if (v === undefined || v === '') return DEFAULT_GRAFANA;
  const n = Number(/^(\d+)(?:\.\d+)*$/.exec(v.trim())?.[1]);
  const found = SUPPORTED_GRAFANA.find((s) => s === n);
  if (found === undefined)
    throw new Error(`Grafana ${v} is not supported (supported: ${SUPPORTED_GRAFANA.join(', ')})`);
  return found;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What the foundation SDK emits but a given Grafana does not take, fixed in one place:
 *
 * | what                                   | 11          | 12, 13      | why                                                        |
 * |----------------------------------------|-------------|-------------|------------------------------------------------------------|
 * | `schemaVersion`                        | 41          | 42          | a newer version than the server's skips its migrations     |
 * | `placement` on links and annotations   | removed     | removed     | `inControlsMenu` hides them in a drop-down (12.x)          |
 * | `auto`, `auto_min`, `auto_count` on a query variable | removed | removed | interval-variable keys, unknown to query variables   |
 * | table `options.footer`                 | kept        | removed     | the table footer options were removed in 12                 |
 * | table `custom.cellOptions`, `inspect`  | added       | added       | required by the table field config                         |
 */
export function forGrafana(dashboard: Dashboard, v: GrafanaMajor): Dashboard {
  const d = JSON.parse(JSON.stringify(dashboard)) as Json;
  d.schemaVersion = SCHEMA_VERSION[v];
  for (const l of (d.links as Json[] | undefined) ?? []) delete l.placement;
  for (const a of ((d.annotations as Json | undefined)?.list as Json[] | undefined) ?? []) delete a.placement;
  for (const t of ((d.templating as Json | undefined)?.list as Json[] | undefined) ?? []) {
    if (t.type !== 'interval') for (const k of ['auto', 'auto_min', 'auto_count']) delete t[k];
  }
  for (const p of (d.panels as Json[] | undefined) ?? []) {
    if (p.type !== 'table') continue;
    const options = isObj(p.options) ? p.options : {};
    if (v >= 12) delete options.footer;
    const fc = isObj(p.fieldConfig) ? p.fieldConfig : { overrides: [] };
    const defaults = isObj(fc.defaults) ? fc.defaults : {};
    defaults.custom = { align: 'auto', cellOptions: { type: 'auto' }, inspect: false, ...(defaults.custom as Json) };
    fc.defaults = defaults;
    p.fieldConfig = fc;
  }
  return d as unknown as Dashboard;
}
