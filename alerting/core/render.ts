import { escapeHtml, formatDuration, formatTime } from '../../store/text-format.ts';
import { linkHtml, linkLines, type MessageLinks } from './ack-links.ts';
import type { DisposedItem, Notice, NoticeItem } from './notice.ts';
import { splitContradicts } from './policy-summary.ts';
import type { QualityFigures } from './quality.ts';
import type { DeviceAlertState, GroupEvent, PolicyView } from './state.ts';

export interface IfaceFigures {
  state: string;
  rttAvgMs: number | null;
  lossPct: number | null;
  jitterMs?: number | null;
}

export interface RenderContext {
  device: { id: string; name: string; site: string | null };
  /** multiWan mode (FAIL_OVER / LOAD_BALANCE) when known; labels the traffic split. */
  mode: string | null;
  /** Last figures per interface (see ifaceFigures). */
  ifaces: ReadonlyMap<string, IfaceFigures>;
  /** Current policy splits (policy key -> view). */
  policies: ReadonlyMap<string, PolicyView>;
  dashboardUrl: string | null;
  /** Signed acknowledgement and report links (WANWATCH_PUBLIC_URL set). */
  links?: MessageLinks;
}

/**
 * State and figures of each interface for an email. The state is alerting's confirmed one when it
 * knows the link (the live hash may still show a restarted tracker's initial state); figures come
 * from the live hash (what ingest saw last), else the job's metrics, and only for links that are
 * online — a link that is not has no meaningful latency or loss, so they read `n/a`.
 *
 * | alerting knows the link | shown state | link online | figures |
 * |---|---|---|---|
 * | yes | alerting's | yes | live, else job metrics |
 * | no | live, else job metrics | yes | live, else job metrics |
 * | any | | no | `n/a` |
 */
export function ifaceFigures(
  state: Pick<DeviceAlertState, 'ifaces' | 'metrics'>,
  live: Iterable<[string, IfaceFigures]>,
): Map<string, IfaceFigures> {
  const measured = new Map<string, IfaceFigures>(state.metrics);
  for (const [name, m] of live) measured.set(name, m);
  const out = new Map<string, IfaceFigures>();
  for (const name of new Set([...measured.keys(), ...state.ifaces.keys()])) {
    const m = measured.get(name);
    const shown = state.ifaces.get(name)?.state ?? m?.state ?? 'unknown';
    out.set(
      name,
      shown === 'online' && m
        ? { state: shown, rttAvgMs: m.rttAvgMs, lossPct: m.lossPct, jitterMs: m.jitterMs ?? null }
        : { state: shown, rttAvgMs: null, lossPct: null, jitterMs: null },
    );
  }
  return out;
}

/** Whether a shown interface state carries traffic (undefined when the state says nothing). */
function routedByState(state: string | undefined): boolean | undefined {
  if (state === 'online' || state === 'disconnecting') return true;
  if (state === 'offline' || state === 'connecting' || state === 'disabled') return false;
  return undefined;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

type PolicyEvent = Extract<GroupEvent, { kind: 'policy_change' }>;

/**
 * The policies worth showing to people, as `[label, view]`:
 *
 * | multiWan mode names a policy of the device | shown |
 * |---|---|
 * | yes | that policy only (the one the device's rules send traffic to) |
 * | no (no mode, or a hand-written mwan3 config) | every policy, labelled by its own name |
 *
 * The IPv6 side of a policy is shown only when it carries traffic or has no IPv4 side (a v4-only
 * site would otherwise read "none (unreachable)" in every email). Identical lines are shown once.
 */
export function shownPolicies(
  policies: Iterable<[string, PolicyView]>,
  mode: string | null,
): Array<[string, PolicyView]> {
  let entries = [...policies];
  if (mode && entries.some(([k]) => k.startsWith(`${mode}/`)))
    entries = entries.filter(([k]) => k.startsWith(`${mode}/`));
  const keys = new Set(entries.map(([k]) => k));
  const shown = entries.filter(
    ([k, p]) => !k.endsWith('/ipv6') || p.active.length > 0 || !keys.has(k.replace(/\/ipv6$/, '/ipv4')),
  );
  const label = (k: string) => k.replace(/\/ipv4$/, '').replace(/\/ipv6$/, ' (IPv6)');
  const seen = new Set<string>();
  return shown
    .map(([k, p]): [string, PolicyView] => [label(k), p])
    .filter(([l, p]) => (seen.has(`${l}: ${p.text}`) ? false : (seen.add(`${l}: ${p.text}`), true)));
}

/** `traffic now on eth0 (FAIL_OVER: eth0 100%)`, for the policies people care about (see shownPolicies). */
export function trafficPhrase(ev: PolicyEvent, mode: string | null): string {
  const shown = shownPolicies(ev.policies, mode);
  const active = [...new Set(shown.flatMap(([, p]) => p.active))];
  const detail = shown.map(([l, p]) => `${l}: ${p.text}`).join('; ');
  const where = active.length > 0 ? `traffic now on ${active.join(', ')}` : 'no link carries traffic';
  return `${where} (${detail})`;
}

/** `loss 12 %, RTT p95 240 ms over 5 min`: the cloud evaluation's window figures. */
export function qualityPhrase(f: QualityFigures): string {
  const parts = [`loss ${Math.round(f.lossPct)} %`];
  if (f.rttP95Ms !== null) parts.push(`RTT p95 ${Math.round(f.rttP95Ms)} ms`);
  if (f.jitterMs !== null && f.jitterMs >= 1) parts.push(`jitter ${Math.round(f.jitterMs)} ms`);
  const window = f.windowMs % 60_000 === 0 ? `${f.windowMs / 60_000} min` : formatDuration(f.windowMs);
  return `${parts.join(', ')} over ${window}`;
}

function phrase(item: NoticeItem): string {
  switch (item.kind) {
    case 'link_down':
      return `${item.iface} DOWN`;
    case 'link_up':
      return item.durationMs === null
        ? `${item.iface} UP`
        : `${item.iface} UP after ${formatDuration(item.durationMs)}`;
    case 'link_degraded':
      return item.figures ? `${item.iface} DEGRADED: ${qualityPhrase(item.figures)}` : `${item.iface} DEGRADED`;
    case 'link_recovered':
      return item.figures
        ? `${item.iface} RECOVERED: ${qualityPhrase(item.figures)}`
        : `${item.iface} recovered from degradation`;
    case 'flapping':
      return `${item.iface} FLAPPING (${item.changes} changes in ${formatDuration(item.windowMs)})`;
    case 'flapping_ended':
      return `${item.iface} stopped flapping, now ${item.state}`;
    case 'policy_change':
      return `${item.direction}: traffic now on ${item.active.join(', ') || 'no link'}`;
    case 'device_unreachable':
      return `device UNREACHABLE (last heard ${formatTime(item.lastSeenMs)})`;
    case 'device_back_online':
      return `device BACK ONLINE after ${formatDuration(item.atMs - item.lastSeenBeforeMs)}`;
    case 'reminder':
      return `REMINDER: ${item.iface ?? 'device'} ${item.iface ? 'DOWN' : 'UNREACHABLE'} for ${formatDuration(item.atMs - item.sinceMs)}`;
  }
}

function describe(item: NoticeItem, mode: string | null): string {
  const at = formatTime(item.atMs);
  switch (item.kind) {
    case 'link_down':
      return `${item.iface} went offline at ${at}.`;
    case 'link_up':
      return (
        `${item.iface} came back online at ${at}` +
        (item.durationMs === null
          ? '.'
          : ` after an outage of ${formatDuration(item.durationMs)} (since ${formatTime(item.downSinceMs!)}).`)
      );
    case 'policy_change':
      return `Policy ${item.direction} at ${at}: ${trafficPhrase(item, mode)}.`;
    case 'flapping':
      return `${item.iface} changed state ${item.changes} times within ${formatDuration(item.windowMs)}; per-change emails are paused until it is stable for ${formatDuration(item.windowMs)}.`;
    case 'device_unreachable':
      return `No report since ${formatTime(item.lastSeenMs)} (watchdog timeout ${formatDuration(item.timeoutMs)}). Link emails of this device are paused while it is unreachable.`;
    case 'device_back_online':
      return `Reporting again at ${at}; it was unreachable since ${formatTime(item.unreachableSinceMs)} (last heard ${formatTime(item.lastSeenBeforeMs)}).`;
    default:
      return `${phrase(item)} (${at}).`;
  }
}

/**
 * Back-online summary of the back-filled link transitions, per interface:
 * `eth1: offline at T1, back at T2 (3m 4s)`.
 */
export function backfillSummary(items: NoticeItem[]): string[] {
  const lines: string[] = [];
  const byIface = new Map<string, NoticeItem[]>();
  for (const i of items)
    if ((i.kind === 'link_down' || i.kind === 'link_up') && 'iface' in i)
      byIface.set(i.iface, [...(byIface.get(i.iface) ?? []), i]);
  for (const [iface, evs] of byIface) {
    const parts = evs.map((e) =>
      e.kind === 'link_down'
        ? `went offline at ${formatTime(e.atMs)}`
        : e.kind === 'link_up'
          ? `came back at ${formatTime(e.atMs)}${e.durationMs === null ? '' : ` (down ${formatDuration(e.durationMs)})`}`
          : '',
    );
    lines.push(`${iface}: ${parts.join(', ')}`);
  }
  return lines;
}

function subjectOf(notice: Notice, sent: NoticeItem[], ctx: RenderContext): string {
  const who = ctx.device.site ? `${ctx.device.name} (${ctx.device.site})` : ctx.device.name;
  const policy = [...sent].reverse().find((i): i is PolicyEvent => i.kind === 'policy_change');
  const nonPolicy = sent.filter((i) => i.kind !== 'policy_change');
  let head: string;
  if (notice.kind === 'device_back_online') head = phrase(sent.find((i) => i.kind === 'device_back_online')!);
  else if (notice.kind === 'all_links_down')
    head = `ALL LINKS DOWN (${sent
      .filter((i) => i.kind === 'link_down')
      .map((i) => ('iface' in i ? i.iface : ''))
      .join(', ')})`;
  else if (nonPolicy.length > 0)
    head = [...new Set(nonPolicy.map(phrase))].slice(0, 3).join(', ') + (nonPolicy.length > 3 ? ', …' : '');
  else
    head = policy
      ? `${policy.direction === 'failback' ? 'Failback' : policy.direction === 'failover' ? 'Failover' : 'Traffic split changed'}`
      : notice.kind;
  const tail = policy && notice.kind !== 'device_back_online' ? ` — ${trafficPhrase(policy, ctx.mode)}` : '';
  return `[wanwatch] ${who}: ${head}${tail}`;
}

function ifaceLines(ctx: RenderContext): string[] {
  const fig = (v: number | null | undefined, unit: string) =>
    v === null || v === undefined ? 'n/a' : `${v.toFixed(1)}${unit}`;
  return [...ctx.ifaces]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, m]) => {
      const online = m.state === 'online';
      return `${name}: ${m.state}, latency ${online ? fig(m.rttAvgMs, ' ms') : 'n/a'}, loss ${online ? fig(m.lossPct, '%') : 'n/a'}`;
    });
}

/**
 * "Traffic split now" lines. A split that contradicts the interface states the email shows (traffic
 * on a link shown down, or on none while one is shown up) is not quoted: the device has not yet
 * reported the split that goes with the latest link change.
 */
function splitLines(ctx: RenderContext): string[] {
  const routed = (i: string) => routedByState(ctx.ifaces.get(i)?.state);
  return shownPolicies(ctx.policies, ctx.mode).map(([l, p]) =>
    splitContradicts(p, routed) ? `${l}: pending (not yet reported for the current link states)` : `${l}: ${p.text}`,
  );
}

/** Subject, text and HTML of a notice; only `notify` items are shown. Pure. */
export function renderNotice(notice: Notice, ctx: RenderContext): RenderedMail {
  const sent = notice.items.filter((i: DisposedItem) => i.disposition === 'notify').map((i) => i.item);
  const subject = subjectOf(notice, sent, ctx);
  const back = notice.kind === 'device_back_online';
  const events = back ? sent.filter((i) => i.kind !== 'link_down' && i.kind !== 'link_up') : sent;
  const summary = back ? backfillSummary(sent) : [];
  const policies = splitLines(ctx);
  const deviceLine = `Device: ${ctx.device.name} (id ${ctx.device.id}${ctx.device.site ? `, site ${ctx.device.site}` : ''})`;
  const sections: Array<[string, string[]]> = [
    ['What happened', events.map((i) => describe(i, ctx.mode))],
    ...(back
      ? ([['While it was cut off', summary.length > 0 ? summary : ['no link changes were recorded']]] as Array<
          [string, string[]]
        >)
      : []),
    ['Interfaces (last figures)', ifaceLines(ctx)],
    ['Traffic split now', policies],
  ];
  const text = [
    subject.replace(/^\[wanwatch\] /, ''),
    '',
    deviceLine,
    ...sections.flatMap(([title, lines]) => (lines.length ? ['', `${title}:`, ...lines.map((l) => `  - ${l}`)] : [])),
    ...(ctx.dashboardUrl ? ['', `Dashboard: ${ctx.dashboardUrl}`] : []),
    ...(ctx.links ? linkLines(ctx.links) : []),
    '',
    `Notification ${notice.id} · wanwatch`,
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h2>${escapeHtml(subject.replace(/^\[wanwatch\] /, ''))}</h2>`,
    `<p>${escapeHtml(deviceLine)}</p>`,
    ...sections.flatMap(([title, lines]) =>
      lines.length
        ? [`<h3>${escapeHtml(title)}</h3><ul>`, ...lines.map((l) => `<li>${escapeHtml(l)}</li>`), '</ul>']
        : [],
    ),
    ...(ctx.dashboardUrl ? [`<p><a href="${escapeHtml(ctx.dashboardUrl)}">Open the dashboard</a></p>`] : []),
    ...(ctx.links ? linkHtml(ctx.links) : []),
    `<p style="color:#888">Notification ${escapeHtml(notice.id)} · wanwatch</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}
