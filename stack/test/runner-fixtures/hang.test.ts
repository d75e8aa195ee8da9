import { it } from 'node:test';
// Runner fixture: stays busy until the runner is interrupted.
it('hangs until interrupted', () => new Promise((resolve) => setTimeout(resolve, 120_000)));
