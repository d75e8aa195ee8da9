/**
 * Child of netns-upload.test.ts, run inside the CE namespace: the real reporter (startReporter)
 * with real ping trackers over both WANs and the default routes (one per WAN, bound to the
 * address of its device as found by os.networkInterfaces()). Prints `s <seq> <type>` per spooled
 * record and `st <json>` (states, uploads per route) every 100 ms; SIGTERM stops it gracefully.
 */
import { writeSync } from 'node:fs';
import { startReporter } from '../run/index.ts';
import { silentLogger } from '../spool/index.ts';

const [dir, serverUrl, token, deviceId] = process.argv.slice(2) as [string, string, string, string];
const rep = await startReporter(
  {
    serverUrl,
    deviceId,
    token,
    mwan3ConfigPath: `${dir}/mwan3`,
    networkConfigPath: `${dir}/network`,
    spoolDir: `${dir}/spool`,
    policyIntervalMs: 1000,
    sourceRules: true,
    uploader: { maxDelayMs: 200, backoffBaseMs: 200, backoffMaxMs: 1000, routeCooldownMs: 5000 },
  },
  { logger: silentLogger, onSpooled: (e) => writeSync(1, `s ${e.seq} ${e.type}\n`) },
);
const tick = setInterval(() => {
  const s = rep.stats();
  writeSync(
    1,
    `st ${JSON.stringify({ t: Date.now(), states: s.states, byRoute: s.uploader.byRoute, pending: s.spool.pendingRecords })}\n`,
  );
}, 100);
process.on('SIGTERM', () => {
  clearInterval(tick);
  void rep.stop().then(() => {
    writeSync(1, `stopped ${rep.stats().spool.pendingRecords}\n`);
    process.exit(0);
  });
});
