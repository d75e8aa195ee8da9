import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildLua } from '../build-lua.ts';
import { root, runProcess } from './lean-run.ts';

/**
 * Every file compiled into the lean build tests numbers and strings explicitly: Lua reads 0 and ''
 * as true, and TypeScriptToLua keeps `if (n)` / `a || b` as written (eslint-truthiness.config.mjs).
 */
describe('lean build sources', () => {
  it('use no number or string as a condition', async () => {
    const files = new Set([...buildLua('reporter').files, ...buildLua('harness').files]);
    const eslint = join(root, 'node_modules', '.bin', 'eslint');
    const config = join(root, 'device-reporter', 'lean', 'eslint-truthiness.config.mjs');
    const r = await runProcess(eslint, ['--no-config-lookup', '-c', config, ...files], { timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });
});
