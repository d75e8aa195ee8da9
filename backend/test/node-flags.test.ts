import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BACKEND_NODE_FLAGS, missingNodeFlags } from '../node-flags.ts';

const repo = join(import.meta.dirname, '..', '..');
const read = (p: string) => readFileSync(join(repo, p), 'utf8');

describe('the backend Node flags reach every launcher', () => {
  const launchers: Array<[string, string]> = [
    ['bin/wanwatch.js (first line)', read('bin/wanwatch.js').split('\n')[0]!],
    ['npm run up', (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.up!],
    ['wanwatch-api@.service', /^ExecStart=.*$/m.exec(read('docs/systemd/wanwatch-api@.service'))![0]],
    ['wanwatch-worker@.service', /^ExecStart=.*$/m.exec(read('docs/systemd/wanwatch-worker@.service'))![0]],
  ];
  for (const [name, line] of launchers) {
    it(`${name} passes ${BACKEND_NODE_FLAGS.join(' ')}`, () => {
      const words = line.split(/\s+/);
      for (const flag of BACKEND_NODE_FLAGS) assert.ok(words.includes(flag), `${name}: ${line}`);
    });
  }

  it('missingNodeFlags looks at the command line and NODE_OPTIONS', () => {
    assert.deepEqual(missingNodeFlags([], ''), [...BACKEND_NODE_FLAGS]);
    assert.deepEqual(missingNodeFlags([...BACKEND_NODE_FLAGS], ''), []);
    assert.deepEqual(missingNodeFlags(['--inspect'], ` ${BACKEND_NODE_FLAGS.join(' ')} --trace-gc`), []);
  });
});
