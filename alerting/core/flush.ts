import type { Silence } from '../../store/index.ts';
import { allLinksDown, dispose, headlineKind, type Notice } from './notice.ts';
import type { DeviceAlertState } from './state.ts';

export interface FlushResult {
  state: DeviceAlertState;
  notice: Notice | null;
  reason: string;
}

/**
 * Ends the group wait of a device: all pending events become one notice (pure).
 *
 * | pending group | its id = groupId | result |
 * |---|---|---|
 * | none | – | nothing (already flushed: a replayed flush job is a no-op) |
 * | yes | no | nothing (a later group; its own flush job will come) |
 * | yes | yes | one notice with every event and its disposition; group cleared |
 */
export function flushGroup(state: DeviceAlertState, groupId: string, nowMs: number, silences: Silence[]): FlushResult {
  const g = state.group;
  if (!g) return { state, notice: null, reason: 'no pending group' };
  if (g.id !== groupId) return { state, notice: null, reason: `pending group is ${g.id}` };
  const s = structuredClone(state);
  s.group = null;
  const items = g.events.map((e) => dispose(e, s, silences, nowMs));
  const kind = headlineKind(
    items.filter((i) => i.disposition === 'notify').map((i) => i.item),
    allLinksDown(s),
  );
  return {
    state: s,
    notice: { id: `grp:${g.id}`, deviceId: s.deviceId, kind, atMs: g.openedAtMs, items },
    reason: `flushed ${items.length} events`,
  };
}
