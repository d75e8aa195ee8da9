/**
 * The drill's network: a CE namespace with two WANs (netns.ts), the backend reachable through both
 * ISPs (netns-backend.ts forwarders to a Unix socket, so a backend restart needs no change here),
 * and the reporter's mwan3 config with one tracking option that a reload can change.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNetnsLab, type NetnsLab } from '../../device-reporter/test/netns.ts';
import { exposeBackendThroughIsps, writeLabMwan3 } from '../../device-reporter/test/netns-backend.ts';

export interface DrillLab {
  lab: NetnsLab;
  /** `changed`: wan0 tracked with `option size '64'` (a tracking option; ping payload), else mwan3's default. */
  writeMwan3(changed: boolean): void;
  destroy(): Promise<void>;
}

export async function createDrillLab(o: {
  dir: string;
  socketPath: string;
  down: number;
  up: number;
}): Promise<DrillLab> {
  const lab = await createNetnsLab({ wans: 2, prefix: 'wl' });
  let forwarders: ChildProcess[] = [];
  try {
    forwarders = await exposeBackendThroughIsps(lab, o.socketPath);
  } catch (e) {
    await lab.destroy();
    throw e;
  }
  const file = join(o.dir, 'mwan3');
  return {
    lab,
    writeMwan3(changed) {
      writeLabMwan3(lab, o.dir, { down: o.down, up: o.up, policy: 'FAIL_OVER' });
      if (!changed) return;
      const text = readFileSync(file, 'utf8');
      const head = "config interface 'wan0'\n";
      if (!text.includes(head)) throw new Error(`no wan0 section in ${file}`);
      writeFileSync(file, text.replace(head, `${head}\toption size '64'\n`));
    },
    async destroy() {
      for (const p of forwarders) if (p.exitCode === null) p.kill('SIGKILL');
      await lab.destroy();
    },
  };
}
