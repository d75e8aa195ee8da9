import { it } from 'node:test';
import assert from 'node:assert/strict';
it('fails on purpose (runner fixture)', () => assert.equal(1 + 1, 3));
