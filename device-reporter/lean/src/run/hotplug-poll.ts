/**
 * netifd hotplug events for the lean build: the handler (openwrt/wanwatch.hotplug) drops
 * `<spool-dir>/hotplug/<iface>` atomically; the lean build has no inotify, so the event loop scans
 * the directory every `pollMs` (once a round at `interval 1`). Each file is claimed by renaming it
 * before it is read, as the Node build's hotplug-listener.ts does; events older than this start
 * are stale and cleared.
 */
import { HOTPLUG_DIR, parseHotplugEvent, type HotplugEvent } from '../../../run/hotplug-event.ts';
import { listDir, mkdirp, removeFile } from '../platform/files.ts';
import { readTextFile } from '../platform/system.ts';

export interface HotplugPoll {
  /** The events that arrived since the last scan, oldest interface name first. */
  scan(): HotplugEvent[];
}

export function openHotplugDir(spoolDir: string, warn: (this: void, file: string) => void): HotplugPoll {
  const dir = `${spoolDir}/${HOTPLUG_DIR}`;
  mkdirp(dir);
  for (const name of listDir(dir)) removeFile(`${dir}/${name}`);
  return {
    scan() {
      const events: HotplugEvent[] = [];
      const names = listDir(dir).filter((n) => !n.startsWith('.'));
      names.sort();
      for (const name of names) {
        const claimed = `${dir}/.claimed-${name}`;
        const [moved] = os.rename(`${dir}/${name}`, claimed);
        if (moved !== true) continue;
        const text = readTextFile(claimed) ?? '';
        removeFile(claimed);
        const ev = parseHotplugEvent(name, text);
        if (ev !== undefined) events.push(ev);
        else warn(name);
      }
      return events;
    },
  };
}
