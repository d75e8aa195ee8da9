import { appendFileSync, readFileSync } from 'node:fs';
import { it } from 'node:test';
import assert from 'node:assert/strict';

/**
 * Shared body of the order-*.test.ts fixtures: logs `start|end <name> <ms>` to WANWATCH_FIXTURE_LOG,
 * and fails when WANWATCH_FIXTURE_FAIL names this file. In between it waits 300 ms, or, given a
 * `partner`, until the partner has started (up to 10 s): files run side by side then overlap
 * however slowly each process starts, and files run one after the other do not.
 */
export function orderFixture(name: string, partner?: string): void {
  it(`${name} logs when it runs`, async () => {
    const file = process.env.WANWATCH_FIXTURE_LOG!;
    const log = (what: string) => appendFileSync(file, `${what} ${name} ${Date.now()}\n`);
    log('start');
    const end = Date.now() + (partner ? 10_000 : 300);
    while (Date.now() < end && !(partner && readFileSync(file, 'utf8').includes(`start ${partner} `)))
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 50));
    log('end');
    assert.notEqual(process.env.WANWATCH_FIXTURE_FAIL, name, 'fails on purpose (runner fixture)');
  });
}
