import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeviceRecord, LiveIface, LiveState } from '../../store/index.ts';
import { attentionOf, type Attention } from '../core/attention.ts';
import { boardRow, compareRows, filterRows } from '../core/board.ts';
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
const live = (ifaces: Record<string, LiveIface>, lastSeenMs = NOW - 5_000): LiveState => ({
  lastSeenMs,
  bootId: 'b',
  ackSeq: 1,
  reportIntervalMs: 5000,
  ifaces: Object.assign(Object.create(null) as LiveState['ifaces'], ifaces),
  policies: [],
});
const device = (id: string, site: string | null = null, name = id): DeviceRecord => ({
  v: 1,
  id,
  name,
  site,
  tokenHash: 'x',
  createdAtMs: NOW,
  notificationEmails: [],
  multiWan: null,
});

describe('console/core: what needs attention', () => {
  const table: Array<[string, LiveState | undefined, Attention]> = [
    ['never reported', undefined, 'never'],
    ['silent past the limit', live({ wan: link('online') }, NOW - 91_000), 'unreachable'],
    ['silent less than 3 report intervals', live({ wan: link('online') }, NOW - 14_000), 'ok'],
    ['every link down', live({ wan: link('offline'), lte: link('connecting') }), 'all-down'],
    ['one link down', live({ wan: link('online'), lte: link('offline') }), 'link-down'],
    ['a disabled link is not down', live({ wan: link('online'), lte: link('disabled') }), 'ok'],
    ['loss over the limit', live({ wan: link('online', { lossPct: 7 }) }), 'degraded'],
    ['latency over the limit', live({ wan: link('online', { rttAvgMs: 450 }) }), 'degraded'],
    ['all online, fine', live({ wan: link('online'), lte: link('online') }), 'ok'],
  ];
  for (const [name, l, want] of table) it(name, () => assert.equal(attentionOf(l, NOW), want));

  it('sorts the urgent first, then by site and id', () => {
    const rows = [
      boardRow(device('b', 'Berlin'), live({ wan: link('online') }), NOW),
      boardRow(device('a', 'Paris'), live({ wan: link('offline') }), NOW),
      boardRow(device('c', 'Berlin'), live({ wan: link('online') }, NOW - 600_000), NOW),
      boardRow(device('d', 'Athens'), live({ wan: link('online') }), NOW),
    ].sort(compareRows);
    assert.deepEqual(
      rows.map((r) => r.id),
      ['c', 'a', 'd', 'b'],
    );
  });

  it('filters by site and by a search over names and links', () => {
    const rows = [
      boardRow(device('shop-1', 'Berlin', 'Main St'), live({ 'wan-dsl': link('online') }), NOW),
      boardRow(device('shop-2', 'Paris'), live({ lte: link('online') }), NOW),
    ];
    assert.deepEqual(
      filterRows(rows, { site: 'Paris' }).map((r) => r.id),
      ['shop-2'],
    );
    assert.deepEqual(
      filterRows(rows, { q: ' MAIN ' }).map((r) => r.id),
      ['shop-1'],
    );
    assert.deepEqual(
      filterRows(rows, { q: 'dsl' }).map((r) => r.id),
      ['shop-1'],
    );
  });

  it('renders hostile names as text, an interface named __proto__ included', () => {
    const l = live({ ['__proto__']: link('offline'), '<b>x</b>': link('online') });
    const html = renderRow(boardRow(device('e', '"><i>', '<script>alert(1)</script>'), l, NOW), NOW);
    assert.doesNotMatch(html, /<script|<b>|<i>/);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /__proto__: offline/);
    assert.match(html, /data-attention="link-down"/);
  });
});
