import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseUci } from '../config/uci.ts';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '../../bin/wanwatch-reporter.js');
const SEED = '/work/shared/fixtures/seed';

describe('wanwatch-reporter CLI', () => {
  it('render-mwan3 prints the seed config; status --assume-online prints the what-if', async () => {
    const [render, status] = await Promise.all([
      run('node', [
        BIN,
        'render-mwan3',
        '--multiwan',
        `${SEED}/last_config_response.json`,
        '--network-config',
        `${SEED}/etc-config-network`,
      ]),
      run('node', [BIN, 'status', '--mwan3-config', `${SEED}/etc-config-mwan3`, '--assume-online', '']),
    ]);
    const names = (t: string) =>
      parseUci(t)
        .sections.map((s) => `${s.type} ${s.name}`)
        .sort();
    assert.deepEqual(names(render.stdout), names(readFileSync(`${SEED}/etc-config-mwan3`, 'utf8')));
    assert.match(status.stdout, /^Interface status:\n interface eth1 is offline and tracking is active\n/);
    assert.match(status.stdout, /Current ipv4 policies:\nFAIL_OVER:\n unreachable\n/);
  });

  it('bad input exits 2 naming the field', async () => {
    await assert.rejects(
      run('node', [BIN, 'render-mwan3', '--multiwan', `${SEED}/etc-config-mwan3`]),
      (e: { code: number; stderr: string }) => e.code === 2 && /render-mwan3:/.test(e.stderr),
    );
  });
});
