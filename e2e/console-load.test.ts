/**
 * The fleet board at 1,000 devices in the Debian Chromium: render time, then 50 device changes a
 * second for 10 s while frame gaps, long tasks and the time to apply a search are measured. The
 * figures go to test-output/console-board-load.json (and bench/console.ts prints them as its JSON
 * line). The render goal (under 1 s) is asserted on the page's main-thread CPU time, which a loaded
 * machine does not stretch; the wall-clock bounds are wide so a busy machine passes and a board that
 * re-renders its table does not.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { measureBoardLoad, seedFleet } from '../test-support/console-board-load.ts';
import { launchChromium } from '../test-support/launch-chromium.ts';
import { startTestConsole, type TestConsole } from '../test-support/test-console.ts';

const OUT = join(import.meta.dirname, '..', 'test-output');

describe('web console board at 1,000 devices (Chromium)', () => {
  let c: TestConsole;
  let browser: Browser;

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    c = await startTestConsole({ label: 'console_load' });
    await seedFleet(c.t.redis, c.t.keys, 1000, Date.now());
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await c?.close();
  });

  it('renders in under 1 s and stays responsive under 50 changes/s (figures in test-output/)', async () => {
    const f = await measureBoardLoad({
      browser,
      base: c.base,
      signInPath: () => c.web.signInPath(),
      redis: c.t.redis,
      keys: c.t.keys,
      devices: 1000,
      changesPerS: 50,
      seconds: 10,
      screenshotPath: join(OUT, 'console-board-1000-wall.png'),
    });
    writeFileSync(join(OUT, 'console-board-load.json'), JSON.stringify(f, null, 2) + '\n');
    console.log(`console board load: ${JSON.stringify(f)}`);
    // CPU time and the count of inserted rows are the machine-independent figures; the wall-clock
    // bounds are wide because the suite runs test files side by side on two cores.
    assert.ok(f.loadCpuMs < 1000, `the browser spent ${f.loadCpuMs} ms of CPU rendering the board`);
    assert.ok(f.boardPaintedMs < 10_000, `board painted ${f.boardPaintedMs} ms after navigation`);
    assert.ok(f.liveCpuPct < 50, `live updates kept the page's main thread ${f.liveCpuPct} % busy`);
    assert.ok(f.longestFrameGapMs < 3000, `a frame waited ${f.longestFrameGapMs} ms under live updates`);
    assert.ok(f.searchApplyMs < 3000, `search applied in ${f.searchApplyMs} ms`);
    assert.equal(f.searchVisibleRows, 27, 'the search kept the devices of site-7 only');
    assert.ok(f.rowsApplied >= 100, `the page applied ${f.rowsApplied} live rows (of ${f.changesSent} changes)`);
    // Patched, not re-rendered: at most one new row per change (re-rendering the table adds ~50,000).
    assert.ok(f.rowsApplied <= f.changesSent, `${f.rowsApplied} rows inserted for ${f.changesSent} changes`);
  });
});
