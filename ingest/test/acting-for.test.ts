import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actingFor, isLoopback } from '../acting-for.ts';
import type { Principal } from '../principal.ts';

const token: Principal = {
  kind: 'token',
  token: { id: 'aaaaaaaaaaaa', name: 'n', role: 'admin', createdAtMs: 0, lastUsedMs: null },
};

describe('acting-for (the console naming the signed-in person)', () => {
  it('is honoured only from the env admin token over loopback', () => {
    assert.deepEqual(actingFor({ kind: 'admin' }, '127.0.0.1', '0123456789ab'), { tokenId: '0123456789ab' });
    assert.deepEqual(actingFor({ kind: 'admin' }, '::ffff:127.0.0.1', 'env-viewer'), {
      principal: { kind: 'viewer' },
    });
    assert.deepEqual(actingFor({ kind: 'admin' }, '::1', 'env-admin'), { principal: { kind: 'admin' } });
    assert.deepEqual(actingFor({ kind: 'admin' }, '127.0.0.1', undefined), { self: true });
    assert.deepEqual(actingFor({ kind: 'admin' }, '127.0.0.1', ''), { self: true });
    assert.deepEqual(actingFor({ kind: 'admin' }, '192.0.2.7', '0123456789ab'), { self: true }, 'not loopback');
    assert.deepEqual(actingFor({ kind: 'viewer' }, '127.0.0.1', '0123456789ab'), { self: true });
    assert.deepEqual(actingFor(token, '127.0.0.1', '0123456789ab'), { self: true }, 'an admin API token');
  });
  it('knows loopback addresses', () => {
    assert.ok(
      isLoopback('127.0.0.1') && isLoopback('127.1.2.3') && isLoopback('::1') && isLoopback('::ffff:127.0.0.1'),
    );
    assert.ok(
      !isLoopback('10.0.0.1') && !isLoopback('::ffff:10.0.0.1') && !isLoopback(undefined) && !isLoopback('1127.0.0.1'),
    );
  });
});
