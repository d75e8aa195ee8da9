import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mayWrite, writeNeed } from '../core/console-access.ts';

describe('console write roles', () => {
  it('gives each console write the role of the API route it calls', () => {
    const cases: Array<[string, string]> = [
      ['/logout', 'viewer'],
      ['/maintenance', 'operator'],
      ['/maintenance/abc/end', 'operator'],
      ['/incidents/silence', 'operator'],
      ['/incidents/ack', 'operator'],
      ['/admin/receivers/x', 'operator'],
      ['/admin/devices', 'admin'],
      ['/admin/devices/x/remove', 'admin'],
      ['/admin/tokens', 'admin'],
      ['/admin', 'admin'],
      ['/maintenancex', 'admin'],
      ['/something-new', 'admin'],
    ];
    for (const [path, need] of cases) assert.equal(writeNeed(path), need, path);
  });
  it('lets a role do what the roles below it may', () => {
    assert.ok(mayWrite('viewer', '/logout') && !mayWrite('viewer', '/maintenance'));
    assert.ok(mayWrite('operator', '/incidents/ack') && !mayWrite('operator', '/admin/devices'));
    assert.ok(mayWrite('admin', '/admin/devices') && mayWrite('admin', '/maintenance'));
  });
});
