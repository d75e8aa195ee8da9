import { appendFileSync } from 'node:fs';
import { it } from 'node:test';
import assert from 'node:assert/strict';

/**
 * Shared body of the order-*.test.ts fixtures: logs `start|end <name> <ms>` to WANWATCH_FIXTURE_LOG
 * around a 300 ms wait, and fails when WANWATCH_FIXTURE_FAIL names this file.
 */
export function orderFixture(name: string): void {
  it(`${name} logs when it runs`, async () => {
    const log = (what: string) => appendFileSync(process.env.WANWATCH_FIXTURE_LOG!, `${what} ${name} ${Date.now()}\n`);
    log('start');
    await new Promise((r) => setTimeout(r, 300));
    log('end');
    assert.notEqual(process.env.WANWATCH_FIXTURE_FAIL, name, 'fails on purpose (runner fixture)');
  });
}
