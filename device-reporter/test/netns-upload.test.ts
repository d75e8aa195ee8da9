import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
// Tests only: the REAL ingest is the peer (the reporter itself never imports backend code).
// eslint-disable-next-line no-restricted-imports
import { startTestIngest, type TestIngest } from '../../test-support/ingest.ts';
import { createNetnsLab, hasNft, netnsSupport, type NetnsLab } from './netns.ts';
import { exposeBackendThroughIsps, startReporterInCe, writeLabMwan3, type ReporterBuild } from './netns-backend.ts';
import { buildLean } from '../lean/lean-run.ts';
import { assertStoredOnce } from './stored-once.ts';

/**
 * A CE namespace with two WANs to two ISP namespaces; the backend address 10.200.0.1 exists in
 * BOTH ISP namespaces (a forwarder to the test's ingest on a Unix socket), so it is reachable
 * through either WAN. The CE routes 10.200.0.1 via wan0 by default; tables 1 and 2 (as mwan3 numbers
 * them) route it via each WAN, and the reporter (`sourceRules`) adds `from <WAN address> lookup <id>`
 * rules itself. It runs inside the CE namespace with real ping trackers (down=8, so the tracker is
 * slow to declare a link offline).
 *
 * 1. wan0's upstream is dropped (nft, link stays up): reports keep arriving through wan1 while
 *    the tracker still calls wan0 online.
 * 2. Both WANs cut for a while, then restored: everything measured meanwhile is back-filled.
 * 3. Every sample and transition is in InfluxDB exactly once.
 * No packet leaves the namespaces (the ingest itself is only on a Unix socket).
 */
const support = netnsSupport();
const run = promisify(execFile);

// Both reporter builds run the same scenario (issue #16: the lean build uploads over any live WAN too).
const BUILDS: ReporterBuild[] = ['node', 'lua'];

for (const build of BUILDS)
  describe(
    `uploads over any live WAN (network namespaces, ${build} build)`,
    { skip: support.ok ? false : `skipped: ${support.ok ? '' : support.reason}` },
    () => {
      let lab: NetnsLab | undefined;
      let ing: TestIngest;
      let server: http.Server;
      const procs: ChildProcess[] = [];
      const dir = mkdtempSync(join(tmpdir(), 'ww-netns-up-'));
      const sock = join(dir, 'ingest.sock');

      before(async () => {
        if (build === 'lua') buildLean();
        ing = await startTestIngest({ label: `netns_upload_${build}` });
        server = http.createServer(ing.app);
        await new Promise<void>((r) => server.listen(sock, () => r()));
        lab = await createNetnsLab({ wans: 2, prefix: build === 'node' ? 'wu' : 'wl' });
        procs.push(...(await exposeBackendThroughIsps(lab, sock)));
      });
      after(async () => {
        for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
        await lab?.destroy();
        server?.closeAllConnections();
        await new Promise((r) => server?.close(r));
        await ing?.close();
        rmSync(dir, { recursive: true, force: true });
      });

      it(
        'keeps reporting through wan1 when wan0 silently drops traffic, back-fills after a full cut, stores everything once',
        { timeout: 90_000 },
        async () => {
          const l = lab!;
          const DEVICE = `ce-netns-${build}`;
          const token = await ing.addDevice(DEVICE);
          writeLabMwan3(l, dir, { down: 8, up: 2, policy: 'balanced' });

          const rep = startReporterInCe(l, dir, token, DEVICE, build);
          procs.push(rep.child);
          const { child, spooled, statuses: sts, exited, last } = rep;
          const until = async (what: string, cond: () => boolean, ms: number) => {
            const end = Date.now() + ms;
            while (!cond()) {
              if (Date.now() > end) assert.fail(`timed out waiting for ${what}; last status ${JSON.stringify(last())}`);
              await new Promise((r) => setTimeout(r, 50));
            }
          };

          await until(
            'both WANs online and uploads through wan0',
            () =>
              last()?.states.wan0 === 'online' && last()?.states.wan1 === 'online' && (last()?.byRoute.wan0 ?? 0) >= 2,
            20_000,
          );
          const viaWan1Before = last()!.byRoute.wan1 ?? 0;
          await l.cutUpstream('wan0', { mode: hasNft() ? 'nft' : 'link' });
          await until('an upload through wan1', () => (last()?.byRoute.wan1 ?? 0) > viaWan1Before, 15_000);
          const firstViaWan1 = sts.find((s) => (s.byRoute.wan1 ?? 0) > viaWan1Before)!;
          assert.notEqual(
            firstViaWan1.states.wan0,
            'offline',
            'reports went through wan1 before the tracker declared wan0 offline',
          );
          // And they keep arriving through wan1 while wan0 stays cut.
          const mark = last()!.byRoute.wan1!;
          await until('more uploads through wan1', () => (last()?.byRoute.wan1 ?? 0) >= mark + 2, 10_000);

          // Every WAN cut: the reporter keeps measuring and spooling; nothing gets out.
          await l.cutUpstream('wan1', { mode: hasNft() ? 'nft' : 'link' });
          const spooledAtCut = spooled.length;
          await new Promise((r) => setTimeout(r, 4000));
          assert.ok(spooled.length > spooledAtCut + 4, 'still measuring while cut off');
          assert.ok(last()!.pending > 0, 'records wait in the spool');
          await l.restoreUpstream('wan0');
          await l.restoreUpstream('wan1');
          await until('spool drained after the cut', () => last()?.pending === 0, 30_000);

          const rulesWhileRunning = (await run('ip', ['-n', l.ceNs, 'rule', 'show'])).stdout;
          assert.match(rulesWhileRunning, new RegExp(`^901:\\s+from ${l.wans[0]!.ceIp} lookup 1\\b`, 'm'));
          assert.match(rulesWhileRunning, new RegExp(`^902:\\s+from ${l.wans[1]!.ceIp} lookup 2\\b`, 'm'));
          child.kill('SIGTERM');
          await exited;
          assert.equal(rep.stoppedPending(), 0);
          assert.doesNotMatch(
            (await run('ip', ['-n', l.ceNs, 'rule', 'show'])).stdout,
            /^90[12]:/m,
            'source rules removed on exit',
          );
          await ing.points.drain();
          await assertStoredOnce((x) => ing.influx.query<Record<string, unknown>>(x), DEVICE, spooled);
        },
      );
    },
  );
