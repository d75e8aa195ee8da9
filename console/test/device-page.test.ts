import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAlertView, type DeviceRecord, type LiveIface, type LiveState } from '../../store/index.ts';
import { attentionOf } from '../core/attention.ts';
import { boardRow } from '../core/board.ts';
import { mwan3StatusText } from '../core/mwan3-status.ts';
import { sparkline } from '../core/sparkline.ts';
import { renderDevice } from '../render/device.ts';
import { renderRow } from '../render/board.ts';

const NOW = Date.UTC(2026, 10, 30, 12);
const link = (state: string, o: Partial<LiveIface> = {}): LiveIface => ({
  state,
  timeMs: NOW,
  rttAvgMs: 12,
  lossPct: 0,
  jitterMs: 1,
  ...o,
});
const live = (ifaces: Record<string, LiveIface>, policies: unknown[] = []): LiveState => ({
  lastSeenMs: NOW - 5_000,
  bootId: 'b',
  ackSeq: 1,
  reportIntervalMs: 5000,
  ifaces: Object.assign(Object.create(null) as LiveState['ifaces'], ifaces),
  policies,
});
const device: DeviceRecord = {
  v: 1,
  id: 'd1',
  name: 'Shop',
  site: null,
  tokenHash: 'x',
  createdAtMs: NOW,
  notificationEmails: [],
  multiWan: null,
};
const balanced = {
  policy: 'balanced',
  family: 'ipv4',
  members: [
    { iface: 'wan', sharePct: 60, metric: 1, weight: 3 },
    { iface: 'wanb', sharePct: 40, metric: 1, weight: 2 },
  ],
  lastResort: 'unreachable',
  lastResortActive: false,
};

describe('console/core: alerting verdicts on the board', () => {
  it('puts a device the watchdog declared unreachable on top, even with a fresh report', () => {
    const l = live({ wan: link('online') });
    assert.equal(attentionOf(l, NOW), 'ok');
    assert.equal(attentionOf(l, NOW, undefined, { unreachable: true, flapping: [] }), 'unreachable');
  });
  it('shows flapping below degraded and above ok', () => {
    const alert = { unreachable: false, flapping: ['wan'] };
    assert.equal(attentionOf(live({ wan: link('online') }), NOW, undefined, alert), 'flapping');
    assert.equal(attentionOf(live({ wan: link('online', { lossPct: 9 }) }), NOW, undefined, alert), 'degraded');
    assert.equal(attentionOf(live({ wan: link('offline') }), NOW, undefined, alert), 'all-down');
    const html = renderRow(boardRow(device, live({ wan: link('online') }), NOW, undefined, alert), NOW);
    assert.match(html, /data-attention="flapping"/);
    assert.match(html, /wan: online, flapping/);
  });
  it("reads alerting's stored state: reach, flapping links (pairs or the older object form), junk as nothing", () => {
    const stored = JSON.stringify({
      reach: 'unreachable',
      ifaces: [
        ['wanb', { flappingSinceMs: NOW }],
        ['wan', { flappingSinceMs: null }],
        ['__proto__', { flappingSinceMs: NOW }],
      ],
    });
    assert.deepEqual(parseAlertView(stored), { unreachable: true, flapping: ['__proto__', 'wanb'] });
    assert.deepEqual(parseAlertView('{"reach":"reachable","ifaces":{"lte":{"flappingSinceMs":1}}}').flapping, ['lte']);
    assert.deepEqual(parseAlertView('not json'), { unreachable: false, flapping: [] });
    assert.deepEqual(parseAlertView(null), { unreachable: false, flapping: [] });
  });
});

describe('console/core: mwan3-style status text', () => {
  it('prints interfaces then policies as mwan3 status does', () => {
    const text = mwan3StatusText(
      live({ wanb: link('online'), wan: link('online'), lte: link('disabled') }, [balanced]),
      false,
    );
    assert.equal(
      text,
      [
        'Interface status:',
        ' interface lte is disabled and tracking is down',
        ' interface wan is online and tracking is active',
        ' interface wanb is online and tracking is active',
        '',
        'Current ipv4 policies:',
        'balanced:',
        ' wan (60%)',
        ' wanb (40%)',
        '',
        'Current ipv6 policies:',
        '',
      ].join('\n'),
    );
  });
  it('prints the last resort when no member carries traffic, and unknown for a silent device', () => {
    const down = { ...balanced, members: balanced.members.map((m) => ({ ...m, sharePct: 0 })), lastResortActive: true };
    const text = mwan3StatusText(live({ wan: link('offline') }, [down]), true);
    assert.match(text, /^ interface wan is unknown and tracking is unknown$/m);
    assert.match(text, /^balanced:\n unreachable$/m);
  });
});

describe('console/core: sparklines', () => {
  const box = { fromMs: 0, toMs: 100, widthPx: 100, heightPx: 10 };
  it('scales time across and values up from zero, breaking the line at a gap', () => {
    const s = sparkline(
      [
        { timeMs: 0, value: 5 },
        { timeMs: 50, value: 10 },
        { timeMs: 60, value: null },
        { timeMs: 100, value: 0 },
      ],
      box,
    );
    assert.equal(s.d, 'M0 5 L50 0 M100 10 h1');
    assert.deepEqual([s.min, s.max, s.last], [0, 10, 0]);
  });
  it('has no line and no figures without data', () => {
    assert.deepEqual(sparkline([{ timeMs: 200, value: 3 }], box), { d: '', min: null, max: null, last: null });
  });
});

describe('console/render: device page', () => {
  it('draws labelled sparklines, the status text and escapes hostile interface names everywhere', () => {
    const evil = '<svg onload=alert(1)>';
    const series = new Map([
      [evil, [{ timeMs: NOW - 60_000, rttAvgMs: 20, lossPct: 0, jitterMs: 2 }]],
      ['wan', [{ timeMs: NOW - 60_000, rttAvgMs: 12, lossPct: 1, jitterMs: 1 }]],
    ]);
    const html = renderDevice(
      {
        device: { ...device, name: '<b>n</b>' },
        live: live({ [evil]: link('online'), wan: link('online') }, [
          { ...balanced, members: [{ iface: evil, sharePct: 100 }] },
        ]),
        alert: { unreachable: false, flapping: [evil] },
        series,
        events: undefined,
        uptimes: [undefined, undefined, undefined],
        nowMs: NOW,
      },
      { csrf: 'c' },
    );
    assert.doesNotMatch(html, /<svg onload|<b>n<\/b>/);
    assert.equal((html.match(/<svg class="spark-/g) ?? []).length, 6);
    assert.match(html, /aria-label="wan latency, last 6 h: min 12 ms, max 12 ms, last 12 ms"/);
    assert.match(html, /interface &lt;svg onload=alert\(1\)&gt; is online and tracking is active/);
    assert.match(html, /flapping/);
  });
  it('links the Grafana dashboards of the device when Grafana is configured, and not otherwise', () => {
    const input = {
      device: { ...device, id: 'shop/1 a' },
      live: live({ wan: link('online') }),
      events: undefined,
      uptimes: [undefined, undefined, undefined],
      nowMs: NOW,
    };
    const withGrafana = renderDevice({ ...input, grafanaUrl: 'http://grafana.example:3000/' }, { csrf: 'c' });
    assert.match(withGrafana, /href="http:\/\/grafana\.example:3000\/dashboards\?query=shop%2F1%20a"/);
    assert.doesNotMatch(renderDevice(input, { csrf: 'c' }), /Grafana/);
  });
});
