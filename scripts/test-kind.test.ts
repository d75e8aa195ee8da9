import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUnitTest } from './test-kind.ts';

/** A tree of files as a Map, read the way the runner reads the repository. */
function tree(files: Record<string, string>): (path: string) => string | undefined {
  const m = new Map(Object.entries(files));
  return (p) => m.get(p);
}

describe('test kind', () => {
  it('a test importing only pure modules is a unit test, even through an import cycle', () => {
    const read = tree({
      'a/core/x.test.ts': "import { f } from './x.ts';",
      'a/core/x.ts': "import { g } from '../util/y.ts';",
      'a/util/y.ts': "import { f } from '../core/x.ts';",
    });
    assert.equal(isUnitTest('a/core/x.test.ts', read), true);
  });

  it('a service module reached through a helper makes it an integration test', () => {
    const read = tree({
      'ingest/test/r.test.ts': "import { post } from './fixtures.ts';",
      'ingest/test/fixtures.ts': "import { startTestBackend } from '../../test-support/ingest.ts';",
      'test-support/ingest.ts': '',
    });
    assert.equal(isUnitTest('ingest/test/r.test.ts', read), false);
  });

  it('a test that starts a process, drives chromium or runs alone is an integration test', () => {
    for (const text of [
      "const c = spawn('node', []);",
      "const b = await launch({ executablePath: '/usr/bin/chromium' });",
      '// run-tests: alone',
    ]) {
      assert.equal(isUnitTest('t.test.ts', tree({ 't.test.ts': text })), false, text);
    }
  });

  it('a file that cannot be read is not run as a unit test', () => {
    assert.equal(isUnitTest('gone.test.ts', tree({})), false);
  });
});
