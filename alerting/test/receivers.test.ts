import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, it } from 'node:test';
import { parseReceivers, redactReceiver, type Receiver } from '../receivers/config.ts';
import { classifyReceiverStatus } from '../receivers/http-sender.ts';
import { pagerDutyEvent, type ReceiverMessage } from '../receivers/message.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, receiverRequests } from '../receivers/payloads.ts';

const msg: ReceiverMessage = {
  notificationId: 'n1',
  incidentId: 'i1',
  kind: 'link_down',
  atMs: Date.UTC(2026, 0, 2, 3, 4, 5),
  device: { id: 'r1', name: 'Router <b>', site: 'Berlin' },
  subject: '[wanwatch] Router <b> (Berlin): eth1 DOWN',
  text: 'eth1 DOWN\n\nDevice: Router <b>',
  events: [
    { id: 'e1', kind: 'link_down', iface: 'eth1', atMs: Date.UTC(2026, 0, 2, 3, 4, 5) },
    { id: 'e2', kind: 'policy_change', iface: null, atMs: Date.UTC(2026, 0, 2, 3, 4, 6) },
  ],
  links: { dashboard: 'http://grafana.test/d/x' },
};
const receivers = parseReceivers([
  { type: 'webhook', name: 'hook', url: 'http://127.0.0.1:9/h', secret: 'a-secret-of-16-chars' },
  { type: 'slack', name: 'slack', url: 'http://127.0.0.1:9/services/T/B/X' },
  { type: 'teams', name: 'teams', url: 'http://127.0.0.1:9/workflows/1' },
  { type: 'telegram', name: 'tg', botToken: '123:ABC-def', chatId: -100, apiUrl: 'http://127.0.0.1:9' },
  { type: 'pagerduty', name: 'pd', routingKey: 'R0UTING', url: 'http://127.0.0.1:9/v2/enqueue' },
]);
const byName = (n: string) => receivers.find((r) => r.name === n)!;
const build = (r: Receiver, m = msg) => receiverRequests(r, m, { nowMs: 1_700_000_000_123, idempotencyKey: 'k/1' });
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- payloads are asserted field by field
const body = (r: Receiver, m = msg) => build(r, m).map((q) => JSON.parse(q.body) as Record<string, any>);

describe('receiver payloads (pure)', () => {
  it('webhook: incident, events and links; the signature verifies over timestamp.body', () => {
    const [req] = build(byName('hook'));
    const b = JSON.parse(req!.body);
    assert.equal(b.incident.id, 'i1');
    assert.equal(b.idempotencyKey, 'k/1');
    assert.deepEqual(
      b.events.map((e: { kind: string }) => e.kind),
      ['link_down', 'policy_change'],
    );
    assert.equal(b.links.dashboard, 'http://grafana.test/d/x');
    assert.equal(req!.headers[TIMESTAMP_HEADER], '1700000000');
    const expected = createHmac('sha256', 'a-secret-of-16-chars').update(`1700000000.${req!.body}`).digest('hex');
    const got = req!.headers[SIGNATURE_HEADER]!.replace(/^sha256=/, '');
    assert.ok(timingSafeEqual(Buffer.from(got, 'hex'), Buffer.from(expected, 'hex')));
    assert.equal(req!.headers['idempotency-key'], 'k/1');
  });

  it('slack, teams, telegram: the email text, in each service’s shape', () => {
    assert.match(body(byName('slack'))[0]!.text, /^\*Router <b> \(Berlin\): eth1 DOWN\*\n```\neth1 DOWN/);
    const card = body(byName('teams'))[0]!.attachments[0];
    assert.equal(card.contentType, 'application/vnd.microsoft.card.adaptive');
    assert.equal(card.content.type, 'AdaptiveCard');
    assert.equal(card.content.body[1].text, msg.text);
    assert.equal(card.content.actions[0].url, 'http://grafana.test/d/x');
    const [tg] = build(byName('tg'));
    assert.equal(tg!.url, 'http://127.0.0.1:9/bot123:ABC-def/sendMessage');
    assert.deepEqual(JSON.parse(tg!.body), { chat_id: -100, text: msg.text, disable_web_page_preview: true });
    const long = { ...msg, text: 'x'.repeat(5000) };
    assert.equal(body(byName('tg'), long)[0]!.text.length, 4096);
  });

  it('pagerduty: one trigger per DOWN, one resolve per UP, none for other events', () => {
    const [t, ...rest] = body(byName('pd'));
    assert.equal(rest.length, 0);
    assert.equal(t!.event_action, 'trigger');
    assert.equal(t!.dedup_key, 'r1/link/eth1');
    assert.equal(t!.routing_key, 'R0UTING');
    assert.equal(t!.payload.source, 'Router <b>');
    assert.equal(t!.payload.component, 'eth1');
    assert.ok(['critical', 'error', 'warning', 'info'].includes(t!.payload.severity));
    const up = {
      ...msg,
      kind: 'link_up' as const,
      events: [{ id: 'e3', kind: 'link_up' as const, iface: 'eth1', atMs: 1 }],
    };
    assert.deepEqual(body(byName('pd'), up), [
      { routing_key: 'R0UTING', event_action: 'resolve', dedup_key: 'r1/link/eth1' },
    ]);
    const degraded = { ...msg, events: [{ id: 'e4', kind: 'link_degraded' as const, iface: 'eth1', atMs: 1 }] };
    assert.deepEqual(build(byName('pd'), degraded), []);
  });

  it('pagerDutyEvent truth table', () => {
    const table: Array<[string, string | null, string | null, string | null]> = [
      ['link_down', 'eth0', 'trigger', 'd/link/eth0'],
      ['link_up', 'eth0', 'resolve', 'd/link/eth0'],
      ['device_unreachable', null, 'trigger', 'd/device'],
      ['device_back_online', null, 'resolve', 'd/device'],
      ['policy_change', null, null, null],
      ['link_degraded', 'eth0', null, null],
      ['reminder', null, null, null],
    ];
    for (const [kind, iface, action, key] of table) {
      const r = pagerDutyEvent('d', { kind: kind as never, iface });
      assert.deepEqual(r && [r.action, r.dedupKey], action ? [action, key] : null, kind);
    }
  });
});

describe('receiver errors and configuration', () => {
  it('classifies HTTP answers: 2xx ok, 408/425/429/5xx transient, other 4xx and 3xx permanent', () => {
    const table: Array<[number, string]> = [
      [200, 'ok'],
      [202, 'ok'],
      [204, 'ok'],
      [301, 'permanent'],
      [400, 'permanent'],
      [401, 'permanent'],
      [403, 'permanent'],
      [404, 'permanent'],
      [408, 'transient'],
      [425, 'transient'],
      [429, 'transient'],
      [500, 'transient'],
      [503, 'transient'],
    ];
    for (const [status, c] of table) assert.equal(classifyReceiverStatus(status), c, String(status));
  });

  it('names the bad field', () => {
    const cases: Array<[unknown, RegExp]> = [
      [[{ type: 'webhook', name: 'a', url: 'ftp://x', secret: 'a-secret-of-16-chars' }], /^receivers\[0\]\.url: /],
      [[{ type: 'webhook', name: 'a', url: 'http://x', secret: 'short' }], /^receivers\[0\]\.secret: /],
      [[{ type: 'slack', name: 'A B', url: 'http://x' }], /^receivers\[0\]\.name: /],
      [[{ type: 'pager', name: 'a' }], /^receivers\[0\]\.type: /],
      [
        [
          { type: 'slack', name: 'a', url: 'http://x' },
          { type: 'teams', name: 'a', url: 'http://y' },
        ],
        /^receivers\[1\]\.name: duplicate/,
      ],
      [[{ type: 'slack', name: 'a', url: 'http://x', extra: 1 }], /^receivers\[0\]/],
    ];
    for (const [input, re] of cases) assert.throws(() => parseReceivers(input), { message: re });
  });

  it('redacts every secret', () => {
    for (const r of receivers) {
      const shown = JSON.stringify(redactReceiver(r));
      for (const secret of ['a-secret-of-16-chars', '/services/T/B/X', 'workflows', 'ABC-def', 'R0UTING'])
        assert.ok(!shown.includes(secret), `${r.name} shows ${secret}`);
    }
  });
});
