/**
 * `npm run bench`: runs every benchmark in bench/ (each prints one JSON line of figures), one after
 * the other so they do not compete for the two cores, then prints one table of the figures and the
 * ratios against their in-run baselines. `npm run bench -- ingest` runs only matching benchmarks.
 * Each benchmark is bounded by its own limits; this runner adds a hard 5-minute cap per benchmark.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
const filters = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run-all.ts')
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

type Figures = Record<string, unknown>;

function runOne(file: string): Promise<{ file: string; figures?: Figures; error?: string; wallS: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, file)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), 5 * 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const wallS = (Date.now() - started) / 1000;
      const line = out
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .pop();
      if (code !== 0 || !line) return resolve({ file, error: `exit ${code}${line ? '' : ', no JSON line'}`, wallS });
      try {
        resolve({ file, figures: JSON.parse(line) as Figures, wallS });
      } catch {
        resolve({ file, error: 'output is not JSON', wallS });
      }
    });
  });
}

const results = [];
for (const b of benches) {
  process.stderr.write(`bench: ${b} ...\n`);
  const r = await runOne(b);
  results.push(r);
  process.stdout.write(JSON.stringify({ file: b, ...(r.figures ?? { error: r.error }) }) + '\n');
}

const fmt = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : String(v));
process.stdout.write('\n| benchmark | figure | value |\n|---|---|---|\n');
for (const r of results) {
  if (!r.figures) {
    process.stdout.write(`| ${r.file} | error | ${r.error} |\n`);
    continue;
  }
  for (const [k, v] of Object.entries(r.figures)) {
    if (k === 'bench') continue;
    const value = typeof v === 'object' && v !== null ? JSON.stringify(v) : fmt(v);
    const mark = /ratio/i.test(k) ? ' ⟵ ratio' : '';
    process.stdout.write(`| ${r.file} | ${k} | ${value}${mark} |\n`);
  }
}
process.exitCode = results.some((r) => r.error) ? 1 : 0;
