/**
 * A throw-away network lab for real-network tests: one "CE" namespace with N veth WAN links, each
 * to its own "ISP" namespace that owns a target address (10.100.<i>.1) behind the link. Nothing is
 * connected to the host's network, so no packet leaves the namespaces. Names carry a random suffix;
 * always call `destroy()` (in `after`), which is safe to call twice.
 *
 *   const lab = await createNetnsLab({ wans: 2 });
 *   lab.execPrefix()              -> ['ip', 'netns', 'exec', lab.ceNs]   (prefix for ping etc.)
 *   await lab.cutUpstream('wan0')  // nft drop in the ISP namespace (or { mode: 'link' }: link down)
 *   await lab.restoreUpstream('wan0')
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface WanLink {
  /** Logical name: wan0, wan1, … */
  name: string;
  /** Device inside the CE namespace (bind probes to it). */
  ceDev: string;
  ispNs: string;
  ispDev: string;
  ceIp: string;
  ispIp: string;
  /** An address inside the ISP namespace, routed over this link only. */
  target: string;
}

export interface NetnsLab {
  ceNs: string;
  wans: WanLink[];
  /** Command prefix that runs a program inside a namespace (default: the CE one). */
  execPrefix(ns?: string): string[];
  exec(ns: string, cmd: string[]): Promise<string>;
  cutUpstream(wan: string, opts?: { mode?: 'nft' | 'link' }): Promise<void>;
  restoreUpstream(wan: string): Promise<void>;
  destroy(): Promise<void>;
}

/** Whether the lab can run here; the reason names what is missing (for test skip messages). */
export function netnsSupport(): { ok: true } | { ok: false; reason: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'needs root (ip netns add)' };
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return { ok: false, reason: 'no `ip` binary (iproute2)' };
  }
  return { ok: true };
}

export function hasNft(): boolean {
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function createNetnsLab(opts: { wans: number; prefix?: string }): Promise<NetnsLab> {
  const id = randomBytes(3).toString('hex');
  const prefix = opts.prefix ?? 'ww';
  const ceNs = `${prefix}ce-${id}`;
  const namespaces = [ceNs];
  const wans: WanLink[] = [];
  const ip = async (...args: string[]): Promise<string> => (await run('ip', args)).stdout;
  const destroy = async (): Promise<void> => {
    // Deleting a namespace deletes its veth ends (and so their peers).
    for (const ns of namespaces.splice(0)) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
  };
  /**
   * When a link comes up (created, or restored), carrier (LOWER_UP) is set at once, but the
   * kernel's link watcher turns operstate UP and activates the queue discipline a moment later;
   * until then every packet, the ARP request included, is dropped, and a one-shot probe fails. So wait for
   * operstate UP on both ends, then until the ISP's own address answers over the link (a few
   * bounded tries inside the lab; nothing leaves the namespaces). Returns when a router whose
   * cable is in would pass traffic, or throws after 5 s.
   */
  const waitLinkPasses = async (w: WanLink): Promise<void> => {
    const deadline = Date.now() + 5_000;
    const isUp = async (ns: string, dev: string): Promise<boolean> =>
      /state UP/.test(await ip('-n', ns, '-o', 'link', 'show', 'dev', dev));
    while (!((await isUp(ceNs, w.ceDev)) && (await isUp(w.ispNs, w.ispDev)))) {
      if (Date.now() > deadline) throw new Error(`${w.name}: link not up within 5 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const probe = ['netns', 'exec', ceNs, 'ping', '-4', '-n', '-q', '-c', '1', '-W', '1', '-I', w.ceDev, w.ispIp];
    for (;;) {
      const answered = await run('ip', probe).then(
        () => true,
        () => false,
      );
      if (answered) return;
      if (Date.now() > deadline) throw new Error(`${w.name}: ${w.ispIp} does not answer within 5 s`);
    }
  };
  try {
    await ip('netns', 'add', ceNs);
    await ip('-n', ceNs, 'link', 'set', 'lo', 'up');
    for (let i = 0; i < opts.wans; i++) {
      const w: WanLink = {
        name: `wan${i}`,
        ceDev: `${prefix}c${i}${id}`.slice(0, 15),
        ispNs: `${prefix}isp${i}-${id}`,
        ispDev: `${prefix}i${i}${id}`.slice(0, 15),
        ceIp: `10.99.${i}.2`,
        ispIp: `10.99.${i}.1`,
        target: `10.100.${i}.1`,
      };
      await ip('netns', 'add', w.ispNs);
      namespaces.push(w.ispNs);
      await ip('-n', ceNs, 'link', 'add', w.ceDev, 'type', 'veth', 'peer', 'name', w.ispDev, 'netns', w.ispNs);
      await ip('-n', ceNs, 'addr', 'add', `${w.ceIp}/30`, 'dev', w.ceDev);
      await ip('-n', ceNs, 'link', 'set', w.ceDev, 'up');
      await ip('-n', w.ispNs, 'addr', 'add', `${w.ispIp}/30`, 'dev', w.ispDev);
      await ip('-n', w.ispNs, 'link', 'set', w.ispDev, 'up');
      await ip('-n', w.ispNs, 'link', 'set', 'lo', 'up');
      await ip('-n', w.ispNs, 'addr', 'add', `${w.target}/32`, 'dev', 'lo');
      await ip('-n', ceNs, 'route', 'add', `10.100.${i}.0/24`, 'via', w.ispIp, 'dev', w.ceDev);
      wans.push(w);
    }
    for (const w of wans) await waitLinkPasses(w);
  } catch (e) {
    await destroy();
    throw e;
  }
  const wan = (name: string): WanLink => {
    const w = wans.find((x) => x.name === name);
    if (!w) throw new Error(`no WAN ${name} in the lab`);
    return w;
  };
  const cutMode = new Map<string, 'nft' | 'link'>();
  return {
    ceNs,
    wans,
    execPrefix: (ns = ceNs) => ['ip', 'netns', 'exec', ns],
    exec: async (ns, cmd) => (await run('ip', ['netns', 'exec', ns, ...cmd])).stdout,
    async cutUpstream(name, o = {}) {
      const w = wan(name);
      const mode = o.mode ?? 'nft';
      cutMode.set(name, mode);
      if (mode === 'link') {
        await ip('-n', w.ispNs, 'link', 'set', w.ispDev, 'down');
        return;
      }
      // One nft call, one transaction: the drop starts one process start-up after the call, not three
      // (callers time detection from the call, and a busy machine makes each start-up slow).
      await run('ip', [
        'netns',
        'exec',
        w.ispNs,
        'nft',
        'add table inet wwcut; ' +
          'add chain inet wwcut input { type filter hook input priority 0; policy accept; }; ' +
          `add rule inet wwcut input iifname "${w.ispDev}" drop`,
      ]);
    },
    async restoreUpstream(name) {
      const w = wan(name);
      if (cutMode.get(name) === 'link') {
        await ip('-n', w.ispNs, 'link', 'set', w.ispDev, 'up');
        await waitLinkPasses(w);
      } else await run('ip', ['netns', 'exec', w.ispNs, 'nft', 'delete table inet wwcut']);
      cutMode.delete(name);
    },
    destroy,
  };
}
