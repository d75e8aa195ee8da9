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
    if (!old) diff.added.push(i);
    else if (old.device === i.device && canonical(old.options) === canonical(i.options)) diff.unchanged.push(i);
    else diff.changed.push(i);
  }
  diff.removed = before.filter((i) => !names.has(i.name)).map((i) => i.name);
  return diff;
}

/** JSON with sorted keys, so two option objects compare by value whatever order they were built in. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : val,
  );
}
