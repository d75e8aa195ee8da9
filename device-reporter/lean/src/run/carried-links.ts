import type { ConfirmedState } from '../../../run/restart-confirmation.ts';
import { writeFileAtomic } from '../platform/files.ts';
import { decodeJson } from '../platform/json-decode.ts';
import { encodeJson } from '../platform/json-encode.ts';
import { readTextFile } from '../platform/system.ts';

/**
 * `<spool-dir>/confirmed-links.json` `{"v":1,"links":[["wan","online"],…]}`, the same file as the
 * Node build's run/carried-state.ts, so a switch of builds carries the confirmed states across.
 */
export interface CarriedLinks {
  get: (this: void, iface: string) => ConfirmedState | 'unknown';
  set: (this: void, iface: string, s: ConfirmedState) => void;
}

export function openCarriedLinks(spoolDir: string, onError: (err: unknown) => void): CarriedLinks {
  const path = `${spoolDir}/confirmed-links.json`;
  const links = new Map<string, ConfirmedState>();
  const text = readTextFile(path);
  if (text !== undefined) {
    const [ok, doc] = pcall(() => decodeJson(text).value as { links?: unknown });
    const list = ok && typeof doc === 'object' ? doc.links : undefined;
    if (Array.isArray(list))
      for (const pair of list as unknown[][])
        if (typeof pair[0] === 'string' && (pair[1] === 'online' || pair[1] === 'offline')) links.set(pair[0], pair[1]);
  }
  return {
    get: (iface) => links.get(iface) ?? 'unknown',
    set: (iface, s) => {
      if (links.get(iface) === s) return;
      links.set(iface, s);
      const [ok, err] = pcall(() => writeFileAtomic(spoolDir, path, encodeJson({ v: 1, links: [...links] })));
      if (!ok) onError(err);
    },
  };
}
