import type { AlertView, DeviceRecord, LiveState } from '../../store/index.ts';
import { attentionOf, attentionRank, type Attention, type AttentionLimits } from './attention.ts';

/** One board row: what the fleet board shows of a device. */
export interface BoardRow {
  id: string;
  name: string;
  site: string | null;
  attention: Attention;
  links: Array<{ iface: string; state: string; rttAvgMs: number | null; lossPct: number | null; flapping: boolean }>;
  /** Traffic split of the first policy: iface and share (%). */
  split: Array<{ iface: string; sharePct: number }>;
  lastSeenMs: number | null;
}

interface PolicyLike {
  members?: Array<{ iface?: unknown; sharePct?: unknown }>;
}

function splitOf(live: LiveState | undefined): BoardRow['split'] {
  const first = (live?.policies?.[0] ?? undefined) as PolicyLike | undefined;
  return (first?.members ?? [])
    .filter((m) => typeof m.iface === 'string' && typeof m.sharePct === 'number')
    .map((m) => ({ iface: m.iface as string, sharePct: m.sharePct as number }));
}

export function boardRow(
  d: DeviceRecord,
  live: LiveState | undefined,
  nowMs: number,
  limits?: AttentionLimits,
  alert?: AlertView,
): BoardRow {
  const flapping = new Set(alert?.flapping ?? []);
  const links = Object.entries(live?.ifaces ?? {})
    .map(([iface, l]) => ({
      iface,
      state: l.state,
      rttAvgMs: l.rttAvgMs,
      lossPct: l.lossPct,
      flapping: flapping.has(iface),
    }))
    .sort((a, b) => (a.iface < b.iface ? -1 : a.iface > b.iface ? 1 : 0));
  return {
    id: d.id,
    name: d.name,
    site: d.site,
    attention: attentionOf(live, nowMs, limits, alert),
    links,
    split: splitOf(live),
    lastSeenMs: live?.lastSeenMs ?? null,
  };
}

/** Most urgent first, then by site and id (stable for a wall screen). */
export function compareRows(a: BoardRow, b: BoardRow): number {
  const r = attentionRank(a.attention) - attentionRank(b.attention);
  if (r !== 0) return r;
  const sa = a.site ?? '';
  const sb = b.site ?? '';
  if (sa !== sb) return sa < sb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export interface BoardFilter {
  site?: string;
  q?: string;
}

/** The rows a filter keeps: the exact site, and a case-insensitive search over id, name, site and link names. */
export function filterRows(rows: BoardRow[], f: BoardFilter): BoardRow[] {
  const q = f.q?.trim().toLowerCase();
  return rows.filter((r) => (!f.site || r.site === f.site) && (!q || searchText(r).includes(q)));
}

export function searchText(r: BoardRow): string {
  return [r.id, r.name, r.site ?? '', ...r.links.map((l) => l.iface)].join(' ').toLowerCase();
}

/** How many devices of each attention (for the counts at the top). */
export function countByAttention(rows: BoardRow[]): Map<Attention, number> {
  const m = new Map<Attention, number>();
  for (const r of rows) m.set(r.attention, (m.get(r.attention) ?? 0) + 1);
  return m;
}
