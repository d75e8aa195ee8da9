/**
 * The web console's fleet board at 1,000 devices, rendered on the server (the pure part of a page
 * load; the browser's part is measured and printed by e2e/console.test.ts). Goal: the board's
 * HTML in under 50 ms, so a 1,000-device page is in the browser well under 1 s.
 * One JSON line of figures.
 */
import type { DeviceRecord, LiveState } from '../store/index.ts';
import { boardRow, compareRows } from '../console/core/board.ts';
import { renderBoard } from '../console/render/board.ts';

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
console.log(
  JSON.stringify({
    bench: 'console-board',
    devices: N,
    renderMsP50: Number(p50.toFixed(2)),
    renderMsMax: Number(runs[runs.length - 1]!.toFixed(2)),
    htmlBytes: bytes,
    goalMs: 50,
    meetsGoal: p50 < 50,
  }),
);
