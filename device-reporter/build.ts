/**
 * Bundles the device CLI (bin/wanwatch-reporter-cli.ts: run, status, render-mwan3) into ONE file,
 * dist/wanwatch-reporter.mjs, for the router: ESM, platform node, zod inlined, no native modules
 * (esbuild refuses `.node` files, so a native dependency would fail this build). Target node18:
 * OpenWrt feeds ship older Node versions than the backend uses.
 *
 *   npm run bundle:reporter        -> prints one JSON line {"bundle":...,"bytes":...}
 */
import { build } from 'esbuild';
import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const outfile = join(root, 'dist', 'wanwatch-reporter.mjs');

const result = await build({
  entryPoints: [join(root, 'bin', 'wanwatch-reporter-cli.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node18',
  minify: true,
  legalComments: 'none',
  banner: { js: '#!/usr/bin/env node' },
  loader: { '.node': 'empty' },
  metafile: true,
  logLevel: 'warning',
});
const natives = Object.keys(result.metafile.inputs).filter((p) => p.endsWith('.node'));
if (natives.length > 0) {
  console.error(`native modules are not allowed in the reporter bundle: ${natives.join(', ')}`);
  process.exit(1);
}
const backend = Object.keys(result.metafile.inputs).filter((p) =>
  /(^|\/)(ingest|alerting|dashboards|reports|stack)\//.test(p),
);
if (backend.length > 0) {
  console.error(`backend code in the reporter bundle: ${backend.join(', ')}`);
  process.exit(1);
}
chmodSync(outfile, 0o755);
console.log(
  JSON.stringify({
    bundle: 'dist/wanwatch-reporter.mjs',
    bytes: statSync(outfile).size,
    inputs: Object.keys(result.metafile.inputs).length,
  }),
);
