import { it } from 'node:test';
import assert from 'node:assert/strict';
it('passes', () => assert.equal(1 + 1, 2));
