import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchRoute, mayCall, type Caller, type Need } from '../access-policy.ts';
import { apiTokenId, lastUsedStale, LAST_USED_STEP_MS } from '../api-tokens.ts';
import { auditRowOf } from '../audit.ts';
import type { Principal } from '../principal.ts';

describe('access policy (pure)', () => {
  it('mayCall: the truth table', () => {
    const needs: Need[] = ['viewer', 'operator', 'admin', 'device'];
    const rows: Array<[Caller, boolean[]]> = [
      [{ role: 'viewer' }, [true, false, false, false]],
      [{ role: 'operator' }, [true, true, false, false]],
      [{ role: 'admin' }, [true, true, true, true]],
      [{ device: true }, [false, false, false, true]],
    ];
    for (const [caller, expected] of rows)
      assert.deepEqual(
        needs.map((n) => mayCall(caller, n)),
        expected,
        JSON.stringify(caller),
      );
  });

  it('matchRoute: templates, parameters, HEAD as GET, unknown paths', () => {
    assert.deepEqual(matchRoute('DELETE', '/api/v1/silences/s-1'), {
      template: '/api/v1/silences/:id',
      params: ['s-1'],
      need: 'operator',
    });
    assert.equal(matchRoute('HEAD', '/api/v1/devices')?.need, 'viewer');
    assert.equal(matchRoute('GET', '/api/v1/dashboards/fleet')?.template, '/api/v1/dashboards/fleet');
    assert.deepEqual(matchRoute('PUT', '/api/v1/report-targets/sites/Porto%20Norte')?.params, ['sites', 'Porto Norte']);
    assert.equal(matchRoute('GET', '/api/v1/devices/')?.template, '/api/v1/devices');
    assert.equal(matchRoute('GET', '/api/v1/nothing'), undefined);
    assert.equal(matchRoute('PATCH', '/api/v1/devices'), undefined);
    assert.equal(matchRoute('GET', '/api/v1/devices//events'), undefined, 'an empty parameter matches nothing');
  });

  it('API token ids: only the exact shape', () => {
    const secret = 'A'.repeat(43);
    assert.equal(apiTokenId(`wwt_0123456789ab_${secret}`), '0123456789ab');
    assert.equal(apiTokenId(`wwt_0123456789AB_${secret}`), undefined);
    assert.equal(apiTokenId(`wwt_0123456789ab_${secret}x`), undefined);
    assert.equal(apiTokenId(`shop-1.${secret}`), undefined, 'a device token is not an API token');
    assert.equal(lastUsedStale(null, 0), true);
    assert.equal(lastUsedStale(1_000, 1_000 + LAST_USED_STEP_MS - 1), false);
    assert.equal(lastUsedStale(1_000, 1_000 + LAST_USED_STEP_MS), true);
  });

  it('auditRowOf: writes by people only, who without secrets, the target', () => {
    const token: Principal = {
      kind: 'token',
      token: { id: 'abcdef012345', name: 'noc', role: 'operator', createdAtMs: 0, lastUsedMs: null },
    };
    const base = { path: '/api/v1/silences/s-1', status: 204, atMs: 5 };
    const route = matchRoute('DELETE', base.path);
    assert.deepEqual(auditRowOf({ ...base, method: 'DELETE', principal: token, route }), {
      atMs: 5,
      tokenId: 'abcdef012345',
      tokenName: 'noc',
      role: 'operator',
      method: 'DELETE',
      route: '/api/v1/silences/:id',
      target: 's-1',
      status: 204,
    });
    assert.equal(auditRowOf({ ...base, method: 'GET', principal: token, route }), undefined);
    const device: Principal = { kind: 'device', deviceId: 'd', record: {} as never };
    assert.equal(auditRowOf({ ...base, method: 'PUT', principal: device, route }), undefined);
    const created = auditRowOf({
      method: 'POST',
      principal: { kind: 'admin' },
      route: matchRoute('POST', '/api/v1/devices'),
      path: '/api/v1/devices',
      status: 201,
      atMs: 1,
      createdId: 'shop-9',
    });
    assert.equal(created?.tokenId, 'env-admin');
    assert.equal(created?.target, 'shop-9');
    const refused = auditRowOf({ ...base, method: 'DELETE', principal: { kind: 'viewer' }, route, status: 403 });
    assert.equal(refused?.role, 'viewer');
    assert.equal(refused?.status, 403);
  });
});
