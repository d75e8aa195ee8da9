import type { AlertView, DeviceRecord, LiveState, SeriesPoint } from '../../store/index.ts';
import { attentionOf, attentionTone, DEFAULT_ATTENTION_LIMITS } from '../core/attention.ts';
import { mwan3StatusText } from '../core/mwan3-status.ts';
import { ageText, h, layout, type PageSession } from './layout.ts';
import { renderSparklines } from './sparkline.ts';

export interface DevicePageInput {
  device: DeviceRecord;
  live: LiveState | undefined;
  /** `GET /devices/:id/events` answer (last 24 h), when it came. */
  events: { status: number; body: unknown } | undefined;
  /** `GET /devices/:id/uptime` answers for 24 h, 7 d, 30 d. */
  uptimes: Array<{ status: number; body: unknown } | undefined>;
  nowMs: number;
  grafanaUrl?: string;
  /** Alerting's watchdog and flapping verdicts. */
  alert?: AlertView;
  /** Per-link figures of the sparkline period; undefined when InfluxDB could not be read. */
  series?: Map<string, SeriesPoint[]>;
  sparkPeriod?: { fromMs: number; toMs: number; label: string };
}

type Ev = Record<string, unknown> & { type?: string; time?: string };

const num = (v: number | null | undefined, unit: string) => (v === null || v === undefined ? '–' : `${h(v)} ${unit}`);

function availability(a: { status: number; body: unknown } | undefined): string {
  const pct = (a?.status === 200 ? (a.body as { internet?: { availabilityPct?: unknown } }) : undefined)?.internet
    ?.availabilityPct;
  return typeof pct === 'number' ? `${pct.toFixed(3)} %` : 'n/a';
}

/** The device page: links, policies, timeline and incidents of the last 24 h, uptime. */
export function renderDevice(p: DevicePageInput, session: PageSession): string {
  const { device: d, live } = p;
  const att = attentionOf(live, p.nowMs, DEFAULT_ATTENTION_LIMITS, p.alert);
  const flapping = new Set(p.alert?.flapping ?? []);
  const links = Object.entries(live?.ifaces ?? {})
    .map(
      ([iface, l]) =>
        `<tr class="${l.state === 'online' ? 'good' : l.state === 'disabled' ? 'idle' : 'bad'}"><td>${h(iface)}</td><td>${h(l.state)}${flapping.has(iface) ? ' <span class="badge warn">flapping</span>' : ''}</td><td>${num(l.rttAvgMs, 'ms')}</td><td>${num(l.lossPct, '%')}</td><td>${num(l.jitterMs, 'ms')}</td></tr>`,
    )
    .join('');
  const status = mwan3StatusText(live, att === 'unreachable');
  const period = p.sparkPeriod ?? { fromMs: p.nowMs - 6 * 3600_000, toMs: p.nowMs, label: 'last 6 h' };
  const sparks = renderSparklines(p.series, Object.keys(live?.ifaces ?? {}), period);
  const policies = (live?.policies ?? [])
    .map((raw) => {
      const pol = raw as { policy?: unknown; family?: unknown; members?: Array<Record<string, unknown>> };
      const members = (pol.members ?? []).map((m) => `${h(m.iface)} ${h(m.sharePct)} %`).join(', ');
      return `<li>${h(pol.policy)} (${h(pol.family)}): ${members || 'no member'}</li>`;
    })
    .join('');
  const evs: Ev[] = p.events?.status === 200 ? (((p.events.body as { events?: Ev[] }).events ?? []) as Ev[]) : [];
  const timeline = evs
    .filter((e) => e.type === 'transition' || e.type === 'device_state')
    .map((e) =>
      e.type === 'transition'
        ? `<li><time>${h(e.time)}</time> ${h(e.iface)}: ${h(e.from_state)} → ${h(e.to_state)} (${h(e.reason)})</li>`
        : `<li><time>${h(e.time)}</time> device ${h(e.state)}</li>`,
    )
    .join('');
  const incidents = evs
    .filter((e) => e.type === 'incident')
    .map((e) => `<li><time>${h(e.time)}</time> [${h(e.status)}] ${h(e.title)}</li>`)
    .join('');
  const grafana = p.grafanaUrl
    ? `<p><a href="${h(`${p.grafanaUrl.replace(/\/$/, '')}/dashboards?query=${encodeURIComponent(d.id)}`)}" rel="noopener">Grafana dashboard</a></p>`
    : '';
  const [u24, u7, u30] = p.uptimes.map(availability);
  return layout(
    d.name,
    `<h1>${h(d.name)} <span class="sub">${h(d.id)}</span></h1>
<p class="status ${attentionTone(att)}" data-attention="${att}">State: ${h(att)} · site ${h(d.site ?? '–')} · last seen ${ageText(live?.lastSeenMs ?? null, p.nowMs)}</p>
${grafana}
<h2>Links</h2>
<table class="links"><thead><tr><th scope="col">Interface</th><th scope="col">State</th><th scope="col">Latency</th><th scope="col">Loss</th><th scope="col">Jitter</th></tr></thead><tbody>${links}</tbody></table>
<h2>Latency, loss and jitter (${h(period.label)})</h2>
<div class="spark-grid">${sparks}</div>
<h2>Policies</h2><ul>${policies || '<li>none reported</li>'}</ul>
<h2 id="mwan3-h">Status as <code>mwan3 status</code> prints it</h2>
<pre class="mwan3" aria-labelledby="mwan3-h" tabindex="0">${h(status)}</pre>
<h2>Uptime (internet)</h2>
<dl class="uptime"><dt>24 h</dt><dd>${u24}</dd><dt>7 d</dt><dd>${u7}</dd><dt>30 d</dt><dd>${u30}</dd></dl>
<p>Uptime report: <a href="/reports/view?device=${h(encodeURIComponent(d.id))}&amp;period=7d&amp;format=html">last 7 days</a> · <a href="/reports/view?device=${h(encodeURIComponent(d.id))}&amp;period=30d&amp;format=csv">CSV, 30 days</a></p>
<h2>Incidents (24 h)</h2><ul>${incidents || '<li>none</li>'}</ul>
<h2>Timeline (24 h)</h2><ol class="timeline">${timeline || '<li>no transitions</li>'}</ol>`,
    session,
  );
}
