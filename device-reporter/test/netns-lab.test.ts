import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createNetnsLab, hasNft, netnsSupport } from './netns.ts';

const support = netnsSupport();

describe('netns lab helper', { skip: support.ok ? false : `skipped: ${support.ok ? '' : support.reason}` }, () => {
  it(
    'targets answer over their own link only; cut/restore works in both modes; destroy removes everything',
    { timeout: 20_000 },
    async () => {
      const lab = await createNetnsLab({ wans: 2 });
      const ping = async (dev: string, target: string): Promise<boolean> =>
        lab.exec(lab.ceNs, ['ping', '-4', '-n', '-c', '1', '-W', '1', '-q', '-I', dev, target]).then(
          () => true,
          () => false,
        );
      try {
        const [w0, w1] = lab.wans;
        assert.equal(await ping(w0!.ceDev, w0!.target), true);
        assert.equal(await ping(w1!.ceDev, w1!.target), true);
        assert.equal(await ping(w0!.ceDev, w1!.target), false, "a WAN does not reach the other ISP's target");
        for (const mode of hasNft() ? (['nft', 'link'] as const) : (['link'] as const)) {
          await lab.cutUpstream('wan0', { mode });
          assert.equal(await ping(w0!.ceDev, w0!.target), false, `cut (${mode})`);
          assert.equal(await ping(w1!.ceDev, w1!.target), true, `other WAN unaffected (${mode})`);
          await lab.restoreUpstream('wan0');
          assert.equal(await ping(w0!.ceDev, w0!.target), true, `restored (${mode})`);
        }
      } finally {
        await lab.destroy();
        await lab.destroy(); // idempotent
      }
      const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
      assert.ok(!left.includes(lab.ceNs) && !lab.wans.some((w) => left.includes(w.ispNs)), 'namespaces removed');
    },
  );
});
