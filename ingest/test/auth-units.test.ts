/** Pure parts of authentication and request limits: failure windows, token hashes, body budget, config rules. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { afterFailure, createAuthLimiters, createFailureLimiter, limitState } from '../auth-limits.ts';
import { authenticate, createVerifiedTokens } from '../auth.ts';
import type { DeviceStore } from '../device-store.ts';
import {
  checkTokenHash,
  hashDeviceToken,
  legacyScryptHash,
  newDeviceToken,
  tokenKeyOf,
  verifyLegacyScrypt,
} from '../device-token.ts';
import { createBodyBudget, expectedBodyBytes } from '../body-budget.ts';
import { utf8Text } from '../http-problems.ts';
import { ProblemError } from '../../contract/index.ts';
import { adminTokenProblem, checkAlertingSettings, ConfigError } from '../../backend/config.ts';

const POLICY = { maxFailures: 3, windowMs: 60_000, maxEntries: 4 };

describe('failed-auth windows', () => {
  it('limits a key at maxFailures until its window ends', () => {
    let w = afterFailure(undefined, 1_000, POLICY);
    assert.deepEqual(w, { startMs: 1_000, failures: 1 });
    w = afterFailure(afterFailure(w, 2_000, POLICY), 3_000, POLICY);
    assert.deepEqual(limitState(w, 3_000, POLICY), { limited: true, retryAfterMs: 58_000 });
    assert.deepEqual(limitState(w, 61_000, POLICY), { limited: false }, 'the window ended');
    assert.deepEqual(afterFailure(w, 61_000, POLICY), { startMs: 61_000, failures: 1 }, 'a new window');
    assert.deepEqual(limitState(undefined, 0, POLICY), { limited: false });
  });

  it('keeps at most maxEntries keys, dropping the oldest window first', () => {
    const l = createFailureLimiter(POLICY);
    for (let i = 0; i < 3; i++) l.fail('old', 0);
    for (let i = 0; i < 100; i++) l.fail(`k${i}`, 10 + i);
    assert.equal(l.size, 4);
    assert.deepEqual(l.state('old', 20), { limited: false }, 'evicted');
    for (let i = 0; i < 3; i++) l.fail('k99', 200);
    assert.equal(l.state('k99', 200).limited, true);
  });
});

describe('device token hashes', () => {
  const key = tokenKeyOf(Buffer.alloc(32, 7));
  const other = tokenKeyOf(Buffer.alloc(32, 8));
  const token = newDeviceToken('shop-1');

  it('is hmac-sha256$<keyId>$<43 base64url chars>, deterministic per key, not the token', () => {
    const h = hashDeviceToken(token, key);
    assert.match(h, /^hmac-sha256\$[0-9a-f]{8}\$[A-Za-z0-9_-]{43}$/);
    assert.equal(h, hashDeviceToken(token, key));
    assert.notEqual(h, hashDeviceToken(token, other));
    assert.ok(!h.includes(token.split('.')[1]!));
  });

  it('tells ok, bad, unknown device, another key and a pre-HMAC record apart', () => {
    const h = hashDeviceToken(token, key);
    assert.equal(checkTokenHash(token, h, key), 'ok');
    assert.equal(checkTokenHash(newDeviceToken('shop-1'), h, key), 'bad');
    assert.equal(checkTokenHash(token, undefined, key), 'bad');
    assert.equal(checkTokenHash(token, hashDeviceToken(token, other), key), 'other_key');
    assert.equal(checkTokenHash(token, 'scrypt$16384$8$1$c2FsdA==$aGFzaA==', key), 'legacy');
    assert.equal(checkTokenHash(token, 'garbage', key), 'bad');
  });

  it('a pre-HMAC scrypt record verifies with its token only, and only with the parameters we wrote', async () => {
    const old = await legacyScryptHash(token);
    assert.match(old, /^scrypt\$16384\$8\$1\$/);
    assert.equal(await verifyLegacyScrypt(token, old), true);
    assert.equal(await verifyLegacyScrypt(newDeviceToken('shop-1'), old), false);
    const costly = old.replace('scrypt$16384$', 'scrypt$1048576$');
    assert.equal(await verifyLegacyScrypt(token, costly), false, 'a record cannot ask for more work');
  });
});

describe('body budget', () => {
  it('expects the declared size, 20x for gzip, the limit when undeclared', () => {
    assert.equal(expectedBodyBytes('1000', false, 5_000_000), 1000);
    assert.equal(expectedBodyBytes('1000', true, 5_000_000), 20_000);
    assert.equal(expectedBodyBytes('1000000', true, 5_000_000), 5_000_000);
    assert.equal(expectedBodyBytes(undefined, false, 5_000_000), 5_000_000);
    assert.equal(expectedBodyBytes('nope', false, 5_000_000), 5_000_000);
  });

  it('refuses what does not fit, always fits one body, releases once', () => {
    const b = createBodyBudget({ maxBytes: 10 });
    const big = b.reserve(50);
    assert.ok(big, 'one body fits when nothing else is in memory');
    assert.equal(b.reserve(1), undefined);
    big();
    big();
    assert.equal(b.inUseBytes, 0);
    const r1 = b.reserve(6)!;
    assert.equal(b.reserve(5), undefined);
    assert.ok(b.reserve(4));
    r1();
    assert.equal(b.inUseBytes, 4);
  });
});

describe('request text', () => {
  it('refuses invalid UTF-8 and drops a BOM', () => {
    assert.equal(utf8Text(Buffer.from('\ufeff{"a":1}')), '{"a":1}');
    assert.equal(utf8Text(Buffer.from('{"a":"é"}')), '{"a":"é"}');
    for (const bad of [Buffer.from([0x7b, 0xff, 0x7d]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc3])]) {
      assert.throws(
        () => utf8Text(bad),
        (e: unknown) => e instanceof ProblemError && e.code === 'invalid_utf8',
      );
    }
  });
});

describe('start-up settings', () => {
  it('refuses blank, spaced or short admin tokens', () => {
    assert.match(adminTokenProblem(' '.repeat(16))!, /spaces/);
    assert.match(adminTokenProblem('\t'.repeat(20))!, /spaces/);
    assert.match(adminTokenProblem('short-token')!, /at least 16/);
    assert.match(adminTokenProblem('a-good-token with space')!, /spaces/);
    assert.equal(adminTokenProblem('a-good-admin-token-1234'), undefined);
  });

  it('names the variable of an alerting setting out of range', () => {
    assert.throws(
      () => checkAlertingSettings({ flapMaxChanges: 100_000 }),
      (e: unknown) => e instanceof ConfigError && /^WANWATCH_FLAP_MAX_CHANGES: /.test(e.message),
    );
    checkAlertingSettings({ flapMaxChanges: 5 });
  });
});

describe('verified device tokens', () => {
  const key = tokenKeyOf(Buffer.alloc(32, 9));
  const token = newDeviceToken('shop-2');

  function deps(records: Map<string, { tokenHash: string }>) {
    const verified = createVerifiedTokens(2);
    const d = {
      adminToken: 'the-admin-token-0123456789',
      store: { getForAuth: async (id: string) => records.get(id) } as unknown as DeviceStore,
      tokenKey: async () => key,
      limits: createAuthLimiters(),
      nowMs: () => 1_000,
      upgradeHash: async () => {},
      verified,
    };
    return { d, verified };
  }
  const req = (t: string) => ({ headers: { authorization: `Bearer ${t}` }, socket: { remoteAddress: '192.0.2.9' } });

  it('remembers a token that matched, and only while the record holds the hash it matched', async () => {
    const records = new Map([['shop-2', { tokenHash: hashDeviceToken(token, key) }]]);
    const { d, verified } = deps(records);
    assert.equal((await authenticate(req(token), d)).kind, 'device');
    assert.equal(verified.get(token), records.get('shop-2')!.tokenHash);
    assert.equal((await authenticate(req(token), d)).kind, 'device', 'again, from memory');
    // The device is registered again: a new token, a new hash. The old token is refused.
    records.set('shop-2', { tokenHash: hashDeviceToken(newDeviceToken('shop-2'), key) });
    await assert.rejects(authenticate(req(token), d), (e: unknown) => (e as ProblemError).code === 'invalid_token');
    assert.equal(verified.get(token), undefined, 'forgotten');
  });

  it('never remembers a wrong token or the admin token, and keeps at most its maximum', async () => {
    const other = newDeviceToken('shop-3');
    const third = newDeviceToken('shop-4');
    const records = new Map([
      ['shop-2', { tokenHash: hashDeviceToken(token, key) }],
      ['shop-3', { tokenHash: hashDeviceToken(other, key) }],
      ['shop-4', { tokenHash: hashDeviceToken(third, key) }],
    ]);
    const { d, verified } = deps(records);
    await assert.rejects(authenticate(req(newDeviceToken('shop-2')), d));
    assert.equal((await authenticate(req(d.adminToken), d)).kind, 'admin');
    assert.equal(verified.get(d.adminToken), undefined);
    for (const t of [token, other, third]) await authenticate(req(t), d);
    assert.equal(verified.get(token), undefined, 'the oldest of three, with room for two');
    assert.ok(verified.get(other) && verified.get(third));
  });
});
