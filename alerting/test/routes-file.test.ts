import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadReceiverSetup } from '../receivers/routes-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'ww-routes-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const YAML_OK = `# GitOps: receivers and routes
receivers:
  - type: webhook
    name: itsm
    url: http://127.0.0.1:9/hook
    secret: "0123456789abcdef0123"
routes:
  - name: night
    kinds: [unreachable]
    time: { timeZone: Europe/Berlin, from: "20:00", to: "07:00" }
    receivers: [itsm]
default: []
`;

describe('routes file (YAML or JSON)', () => {
  it('reads YAML (.yaml and .yml) the same as JSON', () => {
    const fromYaml = loadReceiverSetup(file('a.yaml', YAML_OK));
    const fromYml = loadReceiverSetup(file('a.yml', YAML_OK));
    const json = {
      receivers: [{ type: 'webhook', name: 'itsm', url: 'http://127.0.0.1:9/hook', secret: '0123456789abcdef0123' }],
      routes: [
        {
          name: 'night',
          kinds: ['unreachable'],
          time: { timeZone: 'Europe/Berlin', from: '20:00', to: '07:00' },
          receivers: ['itsm'],
        },
      ],
      default: [],
    };
    const fromJson = loadReceiverSetup(file('a.json', JSON.stringify(json)));
    assert.deepEqual(fromYaml, fromJson);
    assert.deepEqual(fromYml, fromJson);
    assert.equal(fromYaml.routes[0]!.time?.fromMin, 20 * 60);
  });

  it('reads the YAML example of docs/alerts.md', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'alerts.md'), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(example, 'docs/alerts.md has a YAML example');
    assert.deepEqual(loadReceiverSetup(file('docs.yaml', example)).defaultReceivers, ['itsm']);
  });

  it('names the file, the bad field and its YAML line', () => {
    const bad = YAML_OK.replace('from: "20:00"', 'from: "25:00"');
    assert.throws(
      () => loadReceiverSetup(file('bad.yaml', bad)),
      (e: Error) => /bad\.yaml: routes\[0\]\.time\.from: .*HH:MM.* \(line 10\)$/.test(e.message),
    );
    const unknownReceiver = YAML_OK.replace('receivers: [itsm]', 'receivers: [nobody]');
    assert.throws(
      () => loadReceiverSetup(file('ghost.yml', unknownReceiver)),
      /ghost\.yml: routes\[0\]\.receivers\[0\]: no receiver named "nobody" \(line 11\)/,
    );
    assert.throws(() => loadReceiverSetup(file('syntax.yaml', 'receivers: [\n')), /syntax\.yaml: not valid YAML/);
    assert.throws(() => loadReceiverSetup(file('dup.yaml', 'receivers: []\nreceivers: []\n')), /not valid YAML/);
    assert.throws(() => loadReceiverSetup(file('bad.json', '{')), /bad\.json: not valid JSON/);
    // A JSON file is JSON even when its content would be YAML.
    assert.throws(() => loadReceiverSetup(file('yamlish.json', YAML_OK)), /yamlish\.json: not valid JSON/);
  });
});
