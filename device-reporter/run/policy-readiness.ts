import type { IfaceState } from '../../contract/index.ts';

/**
 * Whether a policy snapshot may be taken: only once every tracked interface has a state. A split
 * computed while some interface is still `unknown` (trackers not started yet, or one just ended
 * for a restart) would claim that link carries no traffic, which nobody measured.
 *
 * | tracked interfaces | each has a state other than `unknown` | ready |
 * |--------------------|----------------------------------------|-------|
 * | none               | —                                      | yes   |
 * | some               | yes                                    | yes   |
 * | some               | no (missing or `unknown`)              | no    |
 */
export function policySnapshotReady(tracked: readonly string[], states: ReadonlyMap<string, IfaceState>): boolean {
  return tracked.every((name) => {
    const st = states.get(name);
    return st !== undefined && st !== 'unknown';
  });
}
