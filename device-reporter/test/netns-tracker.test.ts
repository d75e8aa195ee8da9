import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { SampleRecord, TransitionRecord } from '../../contract/index.ts';
import { createExecPingProber, type ExecPingProber } from '../probers/exec-ping-prober.ts';
import { startTrackers, type Trackers } from '../tracker/scheduler.ts';
import { withDefaults } from '../tracker/tracking-options.ts';
import { createNetnsLab, hasNft, netnsSupport, type NetnsLab } from './netns.ts';

const support = netnsSupport();
const DOWN = 2;
const UP = 2;

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe(
  'tracker over real links in network namespaces',
  { skip: support.ok ? false : `skipped: ${support.ok ? '' : support.reason}` },
  () => {
    let lab: NetnsLab | undefined;
    let trackers: Trackers | undefined;
    let prober: ExecPingProber | undefined;
    const samples: Omit<SampleRecord, 'seq'>[] = [];
    const transitions: Omit<TransitionRecord, 'seq'>[] = [];

    before(async () => {
      lab = await createNetnsLab({ wans: 2 });
    });
    after(async () => {
      await trackers?.stop();
      prober?.close();
      await lab?.destroy();
    });

    it(
      `cutting one ISP takes that WAN offline after exactly down=${DOWN} rounds and back after up=${UP}; the other is unaffected`,
      { timeout: 40_000 },
      async () => {
        const l = lab!;
        const opts = { intervalS: 1, failureIntervalS: 1, recoveryIntervalS: 1, timeoutS: 1, down: DOWN, up: UP };
        prober = createExecPingProber({ command: [...l.execPrefix(), 'ping'] });
        trackers = startTrackers({
          interfaces: l.wans.map((w) => ({
            name: w.name,
            device: w.ceDev,
            options: withDefaults({ ...opts, trackIps: [w.target] }),
          })),
          // real ping, run inside the CE namespace and bound to the WAN's device
          prober,
          onSample: (s) => samples.push(s),
          onTransition: (t) => transitions.push(t),
        });
        const of = (iface: string) => samples.filter((s) => s.iface === iface);
        await until(
          () => of('wan0').filter((s) => s.roundOk).length >= 1 && of('wan1').length >= 1,
          8000,
          'first rounds',
        );
        assert.ok(
          of('wan0').every((s) => s.roundOk && s.state === 'online'),
          'wan0 starts healthy',
        );
        assert.ok(of('wan0')[0]!.rttAvgMs !== null);

        await l.cutUpstream('wan0', { mode: hasNft() ? 'nft' : 'link' });
        await until(() => trackers!.states().wan0 === 'offline', 15_000, 'wan0 offline');
        await l.restoreUpstream('wan0');
        await until(() => trackers!.states().wan0 === 'online', 15_000, 'wan0 back online');
        await trackers.stop();

        // Rounds of wan0 from the first failure: exactly DOWN failed rounds to offline, then UP good rounds to online.
        const w0 = of('wan0');
        const firstFail = w0.findIndex((s) => !s.roundOk);
        const offlineAt = w0.findIndex((s) => s.state === 'offline');
        assert.equal(offlineAt - firstFail + 1, DOWN, 'offline after exactly `down` failed rounds');
        assert.ok(w0.slice(firstFail, offlineAt + 1).every((s) => !s.roundOk));
        const firstOk = w0.findIndex((s, i) => i > offlineAt && s.roundOk);
        const onlineAt = w0.findIndex((s, i) => i > offlineAt && s.state === 'online');
        assert.equal(onlineAt - firstOk + 1, UP, 'online after exactly `up` good rounds');
        assert.deepEqual(
          transitions.filter((t) => t.iface === 'wan0').map((t) => `${t.from}>${t.to}`),
          [
            'unknown>online',
            'online>disconnecting',
            'disconnecting>offline',
            'offline>connecting',
            'connecting>online',
          ],
        );
        // the other WAN never noticed
        assert.ok(of('wan1').length >= 4);
        assert.ok(of('wan1').every((s) => s.roundOk && s.state === 'online'));
        assert.deepEqual(
          transitions.filter((t) => t.iface === 'wan1').map((t) => t.to),
          ['online'],
        );
      },
    );
  },
);
