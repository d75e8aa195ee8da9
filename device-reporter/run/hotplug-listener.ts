import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

import { HOTPLUG_DIR, parseHotplugEvent, type HotplugEvent } from './hotplug-event.ts';

export { HOTPLUG_DIR, parseHotplugEvent, type HotplugEvent };

export interface HotplugListener {
  close(): void;
}

/**
 * Listens for netifd hotplug events: the handler (openwrt/wanwatch.hotplug) writes
 * `<spool-dir>/hotplug/<iface>` atomically (temp file + rename), so the latest event per interface
 * wins. The directory is watched (inotify: the event is acted on at once) and also scanned every
 * `pollMs`, in case a watch event is missed. Each file is claimed by renaming it before it is read,
 * so an event written meanwhile is not lost. Events older than this start are stale and cleared.
 */
export function listenForHotplug(
  spoolDir: string,
  onEvent: (ev: HotplugEvent) => void,
  warn: (obj: object, msg: string) => void,
  pollMs = 2_000,
): HotplugListener {
  const dir = join(spoolDir, HOTPLUG_DIR);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  function scan(): void {
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => !n.startsWith('.'));
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const claimed = join(dir, `.claimed-${name}`);
      let text: string;
      try {
        renameSync(join(dir, name), claimed);
        text = readFileSync(claimed, 'utf8');
        unlinkSync(claimed);
      } catch {
        continue; // taken by a concurrent scan
      }
      const ev = parseHotplugEvent(name, text);
      if (ev) onEvent(ev);
      else warn({ file: name }, 'hotplug: ignored an event file that is not "<ifup|ifdown> <interface>"');
    }
  }
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, () => scan());
    watcher.on('error', (err) => warn({ err: String(err) }, 'hotplug: directory watch failed; polling only'));
  } catch (err) {
    warn({ err: String(err) }, 'hotplug: cannot watch the directory; polling only');
  }
  const timer = setInterval(scan, pollMs);
  scan();
  return {
    close() {
      clearInterval(timer);
      watcher?.close();
    },
  };
}
