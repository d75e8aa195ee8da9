/**
 * The web console's fleet board at 1,000 devices: the server's render (pure, goal < 50 ms), then
 * the whole page in the Debian Chromium against real Redis: render time (wall and the page's
 * main-thread CPU, goal < 1 s) and responsiveness under 50 device changes a second for 10 s
 * (test-support/console-board-load.ts, the same measurement e2e/console-load.test.ts asserts).
 * Loopback only; bounded (< 60 s). One JSON line of figures.
 */
import type { DeviceRecord, LiveState } from '../store/index.ts';
import { boardRow, compareRows } from '../console/core/board.ts';
import { renderBoard } from '../console/render/board.ts';
import { stopOwnServices } from '../stack/testing.ts';
import { measureBoardLoad, seedFleet } from '../test-support/console-board-load.ts';
import { launchChromium } from '../test-support/launch-chromium.ts';
import { startTestConsole } from '../test-support/test-console.ts';

const N = 1000;
const nowMs = Date.now();
const devices: DeviceRecord[] = [];
const lives: LiveState[] = [];
for (let i = 0; i < N; i++) {
  devices.push({
    v: 1,
    id: `dev-${i}`,
    name: `Device ${i}`,
    site: `site-${i % 40}`,
    tokenHash: 'x',
    createdAtMs: nowMs,
    notificationEmails: [],
    multiWan: null,
  });
  const ifaces = Object.create(null) as LiveState['ifaces'];
  ifaces.wan = { state: i % 30 ? 'online' : 'offline', timeMs: nowMs, rttAvgMs: 12, lossPct: 0, jitterMs: 1 };
  ifaces.lte = { state: 'online', timeMs: nowMs, rttAvgMs: 40, lossPct: i % 17 ? 0 : 9, jitterMs: 3 };
  lives.push({
    lastSeenMs: nowMs - (i % 97 ? 2_000 : 600_000),
    bootId: 'b',
    ackSeq: 1,
    reportIntervalMs: 5000,
    ifaces,
    policies: [
      {
        policy: 'balanced',
        family: 'ipv4',
        members: [
          { iface: 'wan', sharePct: 60 },
          { iface: 'lte', sharePct: 40 },
        ],
      },
    ],
  });
}

const runs: number[] = [];
let bytes = 0;
for (let r = 0; r < 30; r++) {
  const t0 = performance.now();
  const rows = devices.map((d, i) => boardRow(d, lives[i], nowMs)).sort(compareRows);
  bytes = renderBoard(rows, rows, {}, nowMs, { csrf: 'x' }).length;
  runs.push(performance.now() - t0);
}
runs.sort((a, b) => a - b);
const p50 = runs[Math.floor(runs.length / 2)]!;

const c = await startTestConsole({ label: 'bench_console' });
await seedFleet(c.t.redis, c.t.keys, N, Date.now());
const browser = await launchChromium();
const page = await measureBoardLoad({
  browser,
  base: c.base,
  signInPath: () => c.web.signInPath(),
  redis: c.t.redis,
  keys: c.t.keys,
  devices: N,
  changesPerS: 50,
  seconds: 10,
});
await browser.close();
await c.close();
await stopOwnServices();

console.log(
  JSON.stringify({
    bench: 'console-board',
    devices: N,
    renderMsP50: Number(p50.toFixed(2)),
    renderMsMax: Number(runs[runs.length - 1]!.toFixed(2)),
    htmlBytes: bytes,
    goalMs: 50,
    meetsGoal: p50 < 50 && page.loadCpuMs < 1000,
    // Flat, so bench/run-all.ts tabulates every figure.
    ...Object.fromEntries(Object.entries(page).map(([k, v]) => [`page${k[0]!.toUpperCase()}${k.slice(1)}`, v])),
    browserGoal: 'page main-thread CPU < 1000 ms to paint; < 50 % busy under 50 changes/s',
  }),
);
process.exit(0);
