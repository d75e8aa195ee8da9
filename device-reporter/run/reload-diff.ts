import type { TrackedInterface } from '../tracker/scheduler.ts';

export interface TrackedDiff {
  /** Same device and tracking options: their trackers keep running, no records. */
  unchanged: TrackedInterface[];
  /** Tracking options or device changed: restarted with `config` transitions. */
  changed: TrackedInterface[];
  /** New: start with `config` from `unknown`. */
  added: TrackedInterface[];
  /** Gone (removed, disabled, lost its track_ip): end with `config` to `unknown`. */
  removed: string[];
}

/**
 * What a reload (SIGHUP) does to each tracked interface, by name:
 *
 * | before | after | device and options | result    |
 * |--------|-------|--------------------|-----------|
 * | yes    | yes   | equal              | unchanged |
 * | yes    | yes   | differ             | changed   |
 * | no     | yes   | —                  | added     |
 * | yes    | no    | —                  | removed   |
 */
export function diffTrackedInterfaces(
  before: readonly TrackedInterface[],
  after: readonly TrackedInterface[],
): TrackedDiff {
  const prev = new Map(before.map((i) => [i.name, i]));
  const names = new Set(after.map((i) => i.name));
  const diff: TrackedDiff = { unchanged: [], changed: [], added: [], removed: [] };
  for (const i of after) {
    const old = prev.get(i.name);
    if (old === undefined) diff.added.push(i);
    else if (old.device === i.device && canonical(old.options) === canonical(i.options)) diff.unchanged.push(i);
    else diff.changed.push(i);
  }
  diff.removed = before.filter((i) => !names.has(i.name)).map((i) => i.name);
  return diff;
}

/**
 * A text with sorted keys, so two option objects compare by value whatever order they were built
 * in. Written by hand, not with JSON.stringify: the lean build compiles this file to Lua.
 */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x: unknown) => canonical(x)).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const obj = v as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${k}:${canonical(obj[k])}`).join(',')}}`;
  }
  return `${typeof v}:${String(v)}`;
}
