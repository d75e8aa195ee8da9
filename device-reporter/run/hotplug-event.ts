/**
 * netifd hotplug events as the handler (openwrt/wanwatch.hotplug) writes them, one file per
 * interface under `<spool-dir>/hotplug/`. Pure and regex-free: both reporter builds parse with it
 * (the lean build compiles it to Lua, which has no regular expressions).
 */

/** `<spool-dir>/hotplug/`: the netifd hotplug handler drops one file per interface here. */
export const HOTPLUG_DIR = 'hotplug';

export interface HotplugEvent {
  action: 'ifup' | 'ifdown';
  iface: string;
}

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

function isWordChar(c: string): boolean {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c === '_';
}

/** netifd logical interface names (what the handler accepts too): `[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}`. */
export function isIfaceName(name: string): boolean {
  if (name.length === 0 || name.length > 64 || !isWordChar(name.charAt(0))) return false;
  for (let i = 1; i < name.length; i++) {
    const c = name.charAt(i);
    if (!isWordChar(c) && c !== '.' && c !== '-') return false;
  }
  return true;
}

function words(text: string): string[] {
  const out: string[] = [];
  let word = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (!isSpace(c)) word += c;
    else if (word.length > 0) {
      out.push(word);
      word = '';
    }
  }
  if (word.length > 0) out.push(word);
  return out;
}

/**
 * One event file's text, `<action> <interface>` (the file is named after the interface):
 *
 * | text             | file name | result                    |
 * |------------------|-----------|---------------------------|
 * | `ifdown wan`     | `wan`     | { action: ifdown, wan }   |
 * | `ifup wan`       | `wan`     | { action: ifup, wan }     |
 * | other action     | any       | undefined (ignored)       |
 * | name ≠ file name | any       | undefined (ignored)       |
 */
export function parseHotplugEvent(fileName: string, text: string): HotplugEvent | undefined {
  const w = words(text);
  const action = w[0];
  const iface = w[1];
  if (w.length !== 2 || iface === undefined || iface !== fileName || !isIfaceName(iface)) return undefined;
  return action === 'ifup' || action === 'ifdown' ? { action, iface } : undefined;
}
