import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfirmedState } from './restart-confirmation.ts';

/** `<spool-dir>/confirmed-links.json`: `{"v":1,"links":[["wan","online"],…]}`. */
export const CARRIED_STATE_FILE = 'confirmed-links.json';

/**
 * The last confirmed state (online/offline) of each interface, kept in the spool directory so
 * that the next run — after a restart, a kill -9 or a reboot that keeps the spool — can tell the
 * cloud what it starts from. Replaced atomically (write, fsync, rename) on every change: a crash
 * leaves the old file or the new one, never half of one.
 */
export interface CarriedStateStore {
  get(iface: string): ConfirmedState | 'unknown';
  set(iface: string, state: ConfirmedState): void;
}

export function openCarriedStateStore(spoolDir: string, onError: (err: unknown) => void): CarriedStateStore {
  const path = join(spoolDir, CARRIED_STATE_FILE);
  const links = readLinks(path);
  return {
    get: (iface) => links.get(iface) ?? 'unknown',
    set(iface, state) {
      if (links.get(iface) === state) return;
      links.set(iface, state);
      try {
        writeAtomically(spoolDir, path, JSON.stringify({ v: 1, links: [...links] }));
      } catch (err) {
        // The spool directory failing is reported by the spool itself; a missed write here only
        // means the next start carries an older state.
        onError(err);
      }
    },
  };
}

function readLinks(path: string): Map<string, ConfirmedState> {
  const out = new Map<string, ConfirmedState>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return out; // none yet, or unreadable: start without carried states
  }
  const list = (parsed as { links?: unknown }).links;
  if (!Array.isArray(list)) return out;
  for (const pair of list) {
    if (!Array.isArray(pair) || typeof pair[0] !== 'string') continue;
    if (pair[1] === 'online' || pair[1] === 'offline') out.set(pair[0], pair[1]);
  }
  return out;
}

function writeAtomically(dir: string, path: string, text: string): void {
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
