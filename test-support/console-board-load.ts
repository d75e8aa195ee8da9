/**
 * The web console's fleet board under load, measured in Chromium: a seeded fleet of `devices`,
 * the page's render time, then live changes at `changesPerS` for `seconds` (live hash written and
 * the change notice published, as ingest does) while the page's frame gaps, long tasks and the time
 * to apply a search are recorded. Shared by e2e/console-load.test.ts (thresholds) and
 * bench/console.ts (figures).
 */
import type { Browser } from 'playwright-core';
import type { Redis } from 'ioredis';
import { liveFields, publishLiveChange, type DeviceRecord, type LiveState, type RedisKeys } from '../store/index.ts';

export interface BoardLoadFigures {
  devices: number;
  /** Navigation start -> the first frame after the board's rows are in the page (in-page clock). */
  boardPaintedMs: number;
  firstContentfulPaintMs: number | null;
  /** Navigation start -> the server's first byte (the server's reads and render, and the network). */
  firstByteMs: number;
  /** Navigation start -> the whole page received. */
  responseEndMs: number;
  /** Navigation start -> DOMContentLoaded done (the table parsed and the script run). */
  domContentLoadedMs: number;
  /** Wall clock of the test: `goto` until the board's rows are there. */
  wallLoadMs: number;
  /** The page's main-thread CPU time from `goto` until the board was painted. */
  loadCpuMs: number;
  /** The page's main-thread CPU time while the changes arrived, as a share of the wall time. */
  liveCpuPct: number;
  changesPerS: number;
  changesSent: number;
  /** Rows the page swapped in from the live stream. */
  rowsApplied: number;
  /** Longest time between two animation frames while the changes arrived. */
  longestFrameGapMs: number;
  longTasks: number;
  longestTaskMs: number;
  /** Typing a search while changes arrive: input event -> filtered rows painted. */
  searchApplyMs: number;
  /** Devices left visible by that search (a check it really filtered). */
  searchVisibleRows: number;
}

const ifacesOf = (wanState: string, nowMs: number): LiveState['ifaces'] =>
  Object.assign(Object.create(null) as LiveState['ifaces'], {
    wan: { state: wanState, timeMs: nowMs, rttAvgMs: 12, lossPct: 0, jitterMs: 1 },
    lte: { state: 'online', timeMs: nowMs, rttAvgMs: 40, lossPct: 0, jitterMs: 3 },
  });

export const loadDeviceId = (i: number) => `load-${String(i).padStart(4, '0')}`;

/** Registers `n` devices with live state (one in 50 with its wan down), as ingest would have left them. */
export async function seedFleet(redis: Redis, keys: RedisKeys, n: number, nowMs: number): Promise<void> {
  const pipe = redis.pipeline();
  for (let i = 0; i < n; i++) {
    const id = loadDeviceId(i);
    const rec: DeviceRecord = {
      v: 1,
      id,
      name: `Load ${i}`,
      site: `site-${i % 37}`,
      tokenHash: 'hmac-sha256$none$none',
      createdAtMs: nowMs,
      notificationEmails: [],
      multiWan: null,
    };
    const live: LiveState = {
      lastSeenMs: nowMs,
      bootId: 'b',
      ackSeq: 1,
      reportIntervalMs: 5000,
      ifaces: ifacesOf(i % 50 === 0 ? 'offline' : 'online', nowMs),
      policies: [],
    };
    pipe.sadd(keys.devices, id).set(keys.device(id), JSON.stringify(rec)).hset(keys.live(id), liveFields(live));
  }
  await pipe.exec();
}

/** Installed before the changes start: frame gaps and long tasks, read back by `READ_WATCH`. */
const START_WATCH = `(() => {
  const w = (window.__watch = { maxGap: 0, longTasks: 0, longestTask: 0, applied: 0, stop: false });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) { w.longTasks++; w.longestTask = Math.max(w.longestTask, e.duration); }
  }).observe({ type: 'longtask' });
  new MutationObserver((ms) => { for (const m of ms) w.applied += m.addedNodes.length; })
    .observe(document.querySelector('#board tbody'), { childList: true });
  let last = performance.now();
  const tick = (t) => { w.maxGap = Math.max(w.maxGap, t - last); last = t; if (!w.stop) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
})()`;
const READ_WATCH = `(() => { window.__watch.stop = true; return window.__watch; })()`;
const PAINTED = `new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r({
  painted: performance.now(),
  fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime ?? null,
  nav: performance.getEntriesByType('navigation')[0].toJSON(),
}))))`;
/** Types a search as a user does and waits for the frame that shows its result. */
const SEARCH = (text: string) => `new Promise((r) => {
  const q = document.getElementById('q');
  const t0 = performance.now();
  q.value = ${JSON.stringify(text)};
  q.dispatchEvent(new Event('input', { bubbles: true }));
  requestAnimationFrame(() => setTimeout(() => r({
    ms: performance.now() - t0,
    visible: [...document.querySelectorAll('#board tbody tr')].filter((tr) => !tr.hidden).length,
  }), 0));
})`;

export async function measureBoardLoad(o: {
  browser: Browser;
  base: string;
  signInPath: () => Promise<string>;
  redis: Redis;
  keys: RedisKeys;
  devices: number;
  changesPerS: number;
  seconds: number;
  /** Where to save a wall-screen (1920×1080) screenshot of the board after the changes. */
  screenshotPath?: string;
}): Promise<BoardLoadFigures> {
  const page = await o.browser.newPage({ viewport: { width: 1920, height: 1080 } });
  page.setDefaultTimeout(20_000);
  try {
    await page.goto(`${o.base}${await o.signInPath()}`);
    // CPU time of the page's main thread: what the board costs the browser, whatever else the
    // machine runs (wall-clock figures stretch on a loaded machine, CPU time does not).
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const cpuS = async () => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return metrics.find((m) => m.name === 'ThreadTime')?.value ?? NaN;
    };
    const cpu0 = await cpuS();
    const t0 = Date.now();
    await page.goto(`${o.base}/`, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(`document.querySelectorAll('#board tbody tr').length >= ${o.devices}`);
    const wallLoadMs = Date.now() - t0;
    const paint = await page.evaluate<{ painted: number; fcp: number | null; nav: Record<string, number> }>(PAINTED);
    const loadCpuMs = (await cpuS()) - cpu0;
    await page.waitForSelector('body[data-live="on"]');
    await page.evaluate(START_WATCH);
    const cpu1 = await cpuS();

    // Changes as ingest makes them: the live hash written, then the notice published.
    const perTick = Math.max(1, Math.round(o.changesPerS / 10));
    const ticks = o.seconds * 10;
    let sent = 0;
    let search = { ms: 0, visible: 0 };
    const startMs = Date.now();
    for (let k = 0; k < ticks; k++) {
      const nowMs = Date.now();
      const ids: string[] = [];
      const pipe = o.redis.pipeline();
      for (let j = 0; j < perTick; j++) {
        const i = (k * perTick + j) % o.devices;
        ids.push(loadDeviceId(i));
        const wan = k % 2 === 0 ? 'offline' : 'online';
        pipe.hset(o.keys.live(loadDeviceId(i)), {
          lastSeenMs: JSON.stringify(nowMs),
          ifaces: JSON.stringify(ifacesOf(wan, nowMs)),
        });
      }
      await pipe.exec();
      publishLiveChange(o.redis, o.keys.liveChanges, ids);
      sent += ids.length;
      if (k === Math.floor(ticks / 2)) search = await page.evaluate<{ ms: number; visible: number }>(SEARCH('site-7 '));
      const due = startMs + (k + 1) * 100;
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    }
    // The last change must have reached the page (bounded wait), or the figures mean nothing.
    const lastId = loadDeviceId(((ticks - 1) * perTick) % o.devices);
    const lastState = (ticks - 1) % 2 === 0 ? 'link-down' : 'ok';
    await page.waitForSelector(`tr[data-id="${lastId}"][data-attention="${lastState}"]`, {
      state: 'attached',
      timeout: 10_000,
    });
    const w = await page.evaluate<{ maxGap: number; longTasks: number; longestTask: number; applied: number }>(
      READ_WATCH,
    );
    const liveCpuMs = (await cpuS()) - cpu1;
    const liveWallMs = Date.now() - startMs;
    // After the watch stopped: a screenshot stalls the page's frames itself.
    if (o.screenshotPath) await page.screenshot({ path: o.screenshotPath });
    const r1 = (n: number) => Math.round(n * 10) / 10;
    return {
      devices: o.devices,
      boardPaintedMs: r1(paint.painted),
      firstContentfulPaintMs: paint.fcp === null ? null : r1(paint.fcp),
      firstByteMs: r1(paint.nav.responseStart ?? 0),
      responseEndMs: r1(paint.nav.responseEnd ?? 0),
      domContentLoadedMs: r1(paint.nav.domContentLoadedEventEnd ?? 0),
      wallLoadMs,
      loadCpuMs: r1(loadCpuMs * 1000),
      liveCpuPct: r1(((liveCpuMs * 1000) / liveWallMs) * 100),
      changesPerS: o.changesPerS,
      changesSent: sent,
      rowsApplied: w.applied,
      longestFrameGapMs: r1(w.maxGap),
      longTasks: w.longTasks,
      longestTaskMs: r1(w.longestTask),
      searchApplyMs: r1(search.ms),
      searchVisibleRows: search.visible,
    };
  } finally {
    await page.close();
  }
}
