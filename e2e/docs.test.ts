/**
 * The docs say what the repository does: every document a comment cites exists (with the cited
 * section), the router install commands copy every file the install table lists, and the systemd
 * API unit listens on the port its instance names.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '..');
const SKIP = new Set(['node_modules', 'dist', '.git', '.wanwatch', 'test-output']);

function sourceFiles(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (SKIP.has(e.name)) return [];
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|md)$/.test(e.name) ? [p] : [];
  });
}

const headings = (doc: string) =>
  new Set(
    readFileSync(join(ROOT, doc), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('#'))
      .map((l) => l.replace(/^#+\s*/, '').trim()),
  );

describe('docs match the repository', () => {
  it('no code or doc cites a numbered section (§) of a document outside the repository', () => {
    const hits = sourceFiles()
      .filter((f) => !f.endsWith(join('e2e', 'docs.test.ts')))
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ where: `${relative(ROOT, f)}:${i + 1}`, line }))
          .filter((x) => x.line.includes('\u00a7')),
      )
      .map((x) => x.where);
    assert.deepEqual(hits, []);
  });

  it('every docs/*.md a comment cites exists, and so does the section it names', () => {
    const missing: string[] = [];
    for (const f of sourceFiles().filter((p) => p.endsWith('.ts'))) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/docs\/([a-z0-9-]+\.md)(?:,\s*\*?\s*"([^"]+)")?/g)) {
        const doc = `docs/${m[1]}`;
        if (!existsSync(join(ROOT, doc))) missing.push(`${relative(ROOT, f)}: ${doc}`);
        else if (m[2] && !headings(doc).has(m[2])) missing.push(`${relative(ROOT, f)}: ${doc} "${m[2]}"`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('docs/openwrt.md copies every file its install table lists, to the same place', () => {
    const md = readFileSync(join(ROOT, 'docs', 'openwrt.md'), 'utf8');
    const table = new Map(
      [...md.matchAll(/^\| `((?:dist|device-reporter)\/[^`]+)`\s*\| `([^`]+)`/gm)].map((m) => [m[1]!, m[2]!] as const),
    );
    const copied = new Map([...md.matchAll(/^scp (\S+) root@router:(\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const));
    // Files only: feed/ is the OpenWrt package definition, which opkg installs from, not a file to copy.
    for (const f of readdirSync(join(ROOT, 'device-reporter', 'openwrt'), { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name)) {
      assert.ok(table.has(`device-reporter/openwrt/${f}`), `install table lists ${f}`);
    }
    assert.ok(table.size >= 5, `install table found (${table.size} rows)`);
    for (const [from, to] of table) assert.equal(copied.get(from), to, `scp ${from} → ${to}`);
  });

  it('the systemd API unit listens on the port its instance names (wanwatch-api@8081 → 8081)', () => {
    const unit = readFileSync(join(ROOT, 'docs', 'systemd', 'wanwatch-api@.service'), 'utf8');
    const port = /^Environment=WANWATCH_PORT=(.+)$/m.exec(unit)?.[1];
    assert.ok(port, 'the unit sets WANWATCH_PORT');
    for (const instance of ['8081', '8082', '10', '65535']) assert.equal(port.replaceAll('%i', instance), instance);
    const deploy = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');
    assert.match(deploy, /wanwatch-api@8081/);
  });
});
