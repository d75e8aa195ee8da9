import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { createExecPingProber, type ExecPingProber } from '../probers/exec-ping-prober.ts';
import { startReporter, type RunningReporter } from '../run/index.ts';
import { silentLogger } from '../spool/index.ts';
import { readStatusFile } from '../status/status-file.ts';
import { writeLabMwan3 } from './netns-backend.ts';
import { createNetnsLab, netnsSupport, type NetnsLab } from './netns.ts';
import { lines, waitFor, type Spooled, type SpooledRecord } from './run-fixtures.ts';

/**
 * netifd's hotplug event, end to end: the real reporter tracks two WANs of a network-namespace lab
 * with real ping (down = 5, so probes alone would need 5 s); `ip link set … down` on wan0's device,
 * then the call netifd makes — the shipped /etc/hotplug.d/iface handler with ACTION=ifdown
 * INTERFACE=wan0 — must take wan0 offline (reason `ifdown`) in the spool and the status file in
 * under 1 s. `ifup` restarts its tracking (reason `ifup`). Uploads go nowhere (loopback port 9);
 * the records are read from the spool as the reporter writes them.
 */
const support = netnsSupport();
const run = promisify(execFile);
const HANDLER = join(import.meta.dirname, '..', 'openwrt', 'wanwatch.hotplug');

describe(
  'netifd hotplug (network namespaces)',
  { skip: support.ok ? false : `skipped: ${support.ok ? '' : support.reason}` },
  () => {
    let lab: NetnsLab | undefined;
    let rep: RunningReporter | undefined;
    let prober: ExecPingProber | undefined;
    const dir = mkdtempSync(join(tmpdir(), 'ww-netns-hp-'));
    before(async () => {
      lab = await createNetnsLab({ wans: 2, prefix: 'wh' });
    });
    after(async () => {
      await rep?.stop().catch(() => undefined);
      prober?.close();
      await lab?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    it('ifdown takes the link offline in under 1 s; ifup restarts its tracking', { timeout: 60_000 }, async (t) => {
      const l = lab!;
      writeLabMwan3(l, dir, { down: 5, up: 2, policy: 'FAIL_OVER' });
      const spooled: Array<Spooled & { atMs: number }> = [];
      prober = createExecPingProber({ command: [...l.execPrefix(), 'ping'] });
      rep = await startReporter(
        {
          serverUrl: 'http://127.0.0.1:9',
          deviceId: 'ce-hotplug-1',
          token: 'tok-hotplug-123',
          mwan3ConfigPath: join(dir, 'mwan3'),
          networkConfigPath: join(dir, 'network'),
          spoolDir: join(dir, 'spool'),
          policyIntervalMs: 1000,
          uploader: { backoffBaseMs: 1000, backoffMaxMs: 2000 },
        },
        {
          logger: silentLogger,
          prober,
          routes: () => [{ iface: 'default', online: true }],
          onSpooled: (e) =>
            spooled.push({ seq: e.seq, type: e.type, rec: JSON.parse(e.json) as SpooledRecord, atMs: Date.now() }),
        },
      );
      const samplesOf = (iface: string, from = 0) =>
        spooled.slice(from).filter((s) => s.type === 'sample' && s.rec?.iface === iface);
      await waitFor('a good round on both WANs', () => samplesOf('wan0').length > 0 && samplesOf('wan1').length > 0);
      const w0 = l.wans[0]!;
      const hotplug = (action: string) =>
        run('sh', [HANDLER], {
          env: { ...process.env, ACTION: action, INTERFACE: 'wan0', WANWATCH_SPOOL_DIR: join(dir, 'spool') },
        });

      await run('ip', ['-n', l.ceNs, 'link', 'set', w0.ceDev, 'down']);
      const calledMs = Date.now();
      await hotplug('ifdown');
      await waitFor(
        'wan0 offline by ifdown',
        () => lines(spooled, 'transition').some((x) => x.endsWith(':ifdown')),
        5000,
      );
      const rec = spooled.find((s) => s.rec?.reason === 'ifdown')!;
      const tookMs = rec.atMs - calledMs;
      t.diagnostic(`hotplug ifdown call -> offline transition in the spool: ${tookMs} ms`);
      assert.match(lines([rec], 'transition')[0]!, /^wan0:(online|disconnecting)>offline:ifdown$/);
      assert.ok(tookMs < 1000, `offline after ${tookMs} ms (budget 1000 ms)`);
      assert.equal(readStatusFile(join(dir, 'spool'))?.ifaces.wan0?.state, 'offline');
      assert.equal(rep.stats().states.wan0, 'offline');
      // Tracking is paused while netifd has it down; wan1 goes on.
      const downAt = spooled.indexOf(rec);
      await new Promise((r) => setTimeout(r, 2000));
      assert.equal(samplesOf('wan0', downAt + 1).length, 0, 'no probes while the interface is down');
      assert.ok(samplesOf('wan1', downAt + 1).length >= 1);
      assert.deepEqual(
        lines(spooled.slice(downAt + 1), 'policy')
          .filter((x) => x.includes('='))
          .slice(-1),
        ['FAIL_OVER wan0=0 wan1=100'],
        'traffic moved to wan1',
      );

      await run('ip', ['-n', l.ceNs, 'link', 'set', w0.ceDev, 'up']);
      const upFrom = spooled.length;
      await hotplug('ifup');
      await waitFor(
        'wan0 tracked again',
        () => samplesOf('wan0', upFrom).some((s) => s.rec && (s.rec as { roundOk?: boolean }).roundOk),
        15_000,
      );
      assert.deepEqual(lines(spooled.slice(upFrom), 'transition').slice(0, 1), ['wan0:offline>online:ifup']);
      // Not a netifd interface of ours: ignored.
      await run('sh', [HANDLER], {
        env: { ...process.env, ACTION: 'ifdown', INTERFACE: 'lan', WANWATCH_SPOOL_DIR: join(dir, 'spool') },
      });
      await rep.stop();
      rep = undefined;
      assert.ok(!lines(spooled, 'transition').some((x) => x.startsWith('lan:')));
    });
  },
);
