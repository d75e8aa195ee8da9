/**
 * The settings table of docs/deploy.md, generated from backend/settings.ts (the one table of
 * every WANWATCH_* variable). backend/test/settings.test.ts fails when the doc differs;
 * `node --import tsx scripts/settings-doc.ts --write` rewrites it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS, type SettingKey } from '../backend/settings.ts';

export const DEPLOY_DOC = join(import.meta.dirname, '..', 'docs', 'deploy.md');
const START = '<!-- settings:start (generated from backend/settings.ts: scripts/settings-doc.ts --write) -->';
const END = '<!-- settings:end -->';

export function settingsMarkdown(): string {
  const rows = (Object.entries(SETTINGS) as Array<[SettingKey, (typeof SETTINGS)[SettingKey]]>).map(([key, s]) => {
    const def =
      'required' in s ? 'required' : 'default' in s ? (s.default === '' ? '(none)' : `\`${s.default}\``) : '—';
    return `| \`${key}\` | ${def} | ${s.usedBy.join(', ')} | ${s.doc} |`;
  });
  return ['| variable | default | read by | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** The doc with its generated block replaced by `table`. */
export function withSettingsTable(doc: string, table: string): string {
  const a = doc.indexOf(START);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`docs/deploy.md lacks the ${START} … ${END} block`);
  return `${doc.slice(0, a + START.length)}\n\n${table}\n\n${doc.slice(b)}`;
}

/** The table as it stands in the doc, whitespace inside cells collapsed (prettier pads them). */
export function documentedTable(doc: string): string {
  const a = doc.indexOf(START);
  const b = doc.indexOf(END);
  return normalise(doc.slice(a + START.length, b));
}

export const normalise = (table: string) =>
  table
    .trim()
    .split('\n')
    .map((line) => line.replace(/\s*\|\s*/g, '|').replace(/-{3,}/g, '---'))
    .join('\n');

if (process.argv.includes('--write')) {
  writeFileSync(DEPLOY_DOC, withSettingsTable(readFileSync(DEPLOY_DOC, 'utf8'), settingsMarkdown()));
}
