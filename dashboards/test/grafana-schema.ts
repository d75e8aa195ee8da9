/**
 * Checks generated dashboard JSON against Grafana's own TypeScript schema (`@grafana/schema` of one
 * Grafana major, installed side by side as `@grafana/schema-v11/-v12/-v13`), strictly and per panel
 * kind: the JSON is written out as typed object literals and type-checked with the TypeScript
 * compiler, so unknown keys (excess properties), missing required keys, wrong enum values and wrong
 * option shapes are errors. Per panel: `options` against the panel plugin's `Options`,
 * `fieldConfig.defaults.custom` and every `custom.*` override against its `FieldConfig`, standard
 * override properties against the dashboard `FieldConfig`; targets and annotation targets against
 * Grafana's InfluxDB query model (below). Beyond types, one rule Grafana's behaviour needs:
 * no `placement` (12.x moves such links and annotation toggles into a drop-down).
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import ts from 'typescript';

export type SchemaMajor = 11 | 12 | 13;

const ROOT = new URL('../../node_modules/@grafana/', import.meta.url).pathname;

/** Panel plugin id -> folder under raw/composable. */
const KINDS: Record<string, { dir: string; custom: boolean }> = {
  timeseries: { dir: 'timeseries', custom: true },
  stat: { dir: 'stat', custom: false },
  'state-timeline': { dir: 'statetimeline', custom: true },
  bargauge: { dir: 'bargauge', custom: false },
  table: { dir: 'table', custom: true },
};

function typesDir(v: SchemaMajor): string {
  const base = join(ROOT, `schema-v${v}`, 'dist');
  return existsSync(join(base, 'types', 'index.d.ts')) ? join(base, 'types') : join(base, 'esm');
}

function panelTypesFile(v: SchemaMajor, dir: string): string {
  const x = join(typesDir(v), 'raw', 'composable', dir, 'panelcfg', 'x');
  const f = readdirSync(x).find((n) => n.endsWith('.d.ts'));
  if (!f) throw new Error(`no panel types for ${dir} in schema v${v}`);
  return join(x, f.replace(/\.d\.ts$/, ''));
}

const PRELUDE = (v: SchemaMajor) => `
import type * as S from ${JSON.stringify(join(typesDir(v), 'index'))};
${Object.entries(KINDS)
  .map(([, k]) => `import type * as K_${k.dir} from ${JSON.stringify(panelTypesFile(v, k.dir))};`)
  .join('\n')}
/** String enums of the schema accept their JSON values (the JSON has no enum objects). */
type Lit<T> = T extends string
  ? string extends T ? T : \`\${T}\`
  : T extends readonly (infer U)[]
    ? Lit<U>[]
    : T extends object
      ? { [K in keyof T]: Lit<T[K]> }
      : T;
/** Grafana's InfluxDB (InfluxQL, raw mode) query model: public/app/plugins/datasource/influxdb/types.ts. */
type InfluxQuery = Lit<S.DataQuery> & {
  rawQuery: boolean;
  query: string;
  resultFormat: 'time_series' | 'table' | 'logs';
  alias?: string;
  textColumn?: string;
  tagsColumn?: string;
  titleColumn?: string;
};
type Typed<O, C> = Lit<Omit<S.Panel<O, C>, 'options' | 'targets'>> & { options: Lit<O>; targets: InfluxQuery[] };
type Board = Lit<Omit<S.Dashboard, 'panels' | 'annotations'>> & {
  panels: unknown[];
  annotations?: { list?: Array<Lit<Omit<S.AnnotationQuery, 'target'>> & { target?: InfluxQuery }> };
};
`;

interface JsonPanel {
  type: string;
  fieldConfig?: { overrides?: Array<{ properties?: Array<{ id: string; value?: unknown }> }> };
  panels?: JsonPanel[];
}

const lit = (v: unknown) => JSON.stringify(v, null, 1);

function panelChecks(name: string, p: JsonPanel, out: string[]): void {
  if (p.type === 'row') {
    out.push(`const ${name}: Lit<S.RowPanel> = ${lit(p)};`);
    return;
  }
  const k = KINDS[p.type];
  if (!k) {
    out.push(`const ${name}: never = ${JSON.stringify(`panel kind ${p.type} is not covered by the check`)};`);
    return;
  }
  const custom = k.custom ? `K_${k.dir}.FieldConfig` : 'Record<string, never>';
  out.push(`const ${name}: Typed<K_${k.dir}.Options, ${custom}> = ${lit(p)};`);
  (p.fieldConfig?.overrides ?? []).forEach((o, i) =>
    (o.properties ?? []).forEach((prop, j) => {
      const c = /^custom\.(.+)$/.exec(prop.id);
      const value = lit(prop.value ?? null);
      out.push(
        c
          ? `const ${name}_o${i}_${j}: Lit<Partial<${custom}>> = { ${JSON.stringify(c[1])}: ${value} };`
          : `const ${name}_o${i}_${j}: Lit<Partial<S.FieldConfig>> = { ${JSON.stringify(prop.id)}: ${value} };`,
      );
    }),
  );
}

/** The schemaVersion this Grafana major writes (its `defaultDashboard`). */
export async function defaultSchemaVersion(v: SchemaMajor): Promise<number> {
  const mod = (await import(join(ROOT, `schema-v${v}`, 'dist', 'esm', 'index.mjs'))) as {
    defaultDashboard: { schemaVersion: number };
  };
  return mod.defaultDashboard.schemaVersion;
}

/** Schema errors of each named dashboard for one Grafana major; [] when valid. */
export async function schemaErrors(dashboards: Record<string, unknown>, v: SchemaMajor): Promise<string[]> {
  const lines = [PRELUDE(v)];
  const schemaVersion = await defaultSchemaVersion(v);
  const where: Array<{ line: number; label: string }> = [];
  const mark = (label: string) => where.push({ line: lines.join('\n').split('\n').length + 1, label });
  const rules: string[] = [];
  for (const [dashName, d] of Object.entries(dashboards)) {
    const json = d as { panels?: JsonPanel[] };
    const text = JSON.stringify(d);
    const sv = (d as { schemaVersion?: unknown }).schemaVersion;
    if (sv !== schemaVersion)
      rules.push(`${dashName}: schemaVersion ${String(sv)}, Grafana ${v} writes ${schemaVersion}`);
    if (text.includes('"placement":"inControlsMenu"'))
      rules.push(`${dashName}: "placement" puts links/annotation toggles in a drop-down`);
    const top = { ...json, panels: [] };
    mark(`${dashName}`);
    lines.push(`const ${dashName.replace(/\W/g, '_')}: Board = ${lit(top)};`);
    (json.panels ?? []).forEach((p, i) => {
      const all = [p, ...(p.panels ?? [])];
      all.forEach((q, j) => {
        mark(`${dashName} panel #${i}${j ? `.${j}` : ''} (${q.type} "${(q as { title?: string }).title ?? ''}")`);
        const lines2: string[] = [];
        panelChecks(`${dashName.replace(/\W/g, '_')}_p${i}_${j}`, q, lines2);
        lines.push(...lines2);
      });
    });
  }
  const dir = mkdtempSync(join(tmpdir(), 'ww-schema-'));
  try {
    const file = join(dir, 'check.ts');
    writeFileSync(file, lines.join('\n') + '\nexport {};\n');
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      noUnusedLocals: false,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      types: [],
    });
    const diags = ts.getPreEmitDiagnostics(program).filter((x) => x.file?.fileName === file || !x.file);
    return [
      ...rules,
      ...diags.map((x) => {
        const line = x.file && x.start !== undefined ? x.file.getLineAndCharacterOfPosition(x.start).line + 1 : 0;
        const label = [...where].reverse().find((w) => w.line <= line)?.label ?? '?';
        const msg = ts.flattenDiagnosticMessageText(x.messageText, '\n').split('\n').slice(-1)[0];
        return `${label}: ${msg}`;
      }),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
