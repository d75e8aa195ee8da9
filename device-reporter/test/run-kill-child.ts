/**
 * Child of run-kill.test.ts: the real reporter (startReporter) with fake links, uploading to the
 * test's ingest. Prints `s <seq> <type> [iface:from>to:reason]` for every spooled record (the last
 * part for transitions); SIGTERM stops it gracefully. Optional 5th argument: comma-separated
 * targets that do not answer.
 */
import { writeSync } from 'node:fs';
import { startReporter } from '../run/index.ts';
import { silentLogger } from '../spool/index.ts';
import { lines, switchableProber, type SpooledRecord } from './run-fixtures.ts';

const transitionLine = (json: string) =>
  lines([{ seq: 0, type: 'transition', rec: JSON.parse(json) as SpooledRecord }], 'transition')[0];

const [dir, serverUrl, token, deviceId, down = ''] = process.argv.slice(2) as [string, string, string, string, string?];
const sw = switchableProber(2);
for (const target of down.split(',').filter(Boolean)) sw.setDown(target, true);
const rep = await startReporter(
  {
    serverUrl,
    deviceId,
    token,
    mwan3ConfigPath: `${dir}/mwan3`,
    spoolDir: `${dir}/spool`,
    policyIntervalMs: 250,
    uploader: { maxDelayMs: 50, backoffBaseMs: 100, backoffMaxMs: 400 },
  },
  {
    logger: silentLogger,
    prober: sw.prober,
    routes: () => [{ iface: 'lo', localAddress: '127.0.0.1', online: true }],
    onSpooled: (e) =>
      writeSync(1, `s ${e.seq} ${e.type}${e.type === 'transition' ? ` ${transitionLine(e.json)}` : ''}\n`),
  },
);
writeSync(1, `ready ${rep.bootId}\n`);
process.on('SIGTERM', () => {
  void rep.stop().then(() => {
    writeSync(1, `stopped ${rep.stats().spool.pendingRecords}\n`);
    process.exit(0);
  });
});
