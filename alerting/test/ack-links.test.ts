import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ackableIncidents, linkHtml, linkLines, type MessageLinks } from '../core/ack-links.ts';
import type { DisposedItem, Notice, NoticeItem } from '../core/notice.ts';
import { renderNotice } from '../core/render.ts';
import { emptyIface, emptyDeviceState } from '../core/state.ts';
import { receiverMessage } from '../receivers/message.ts';
import { parseReceivers } from '../receivers/config.ts';
import { receiverRequests } from '../receivers/payloads.ts';

const T = Date.UTC(2026, 0, 2, 3, 4, 5);
const notify = (item: NoticeItem, disposition: DisposedItem['disposition'] = 'notify'): DisposedItem =>
  ({ item, disposition, reason: 'test' }) as DisposedItem;
const notice = (...items: DisposedItem[]): Notice => ({
  id: 'grp:1',
  deviceId: 'r1',
  kind: 'link_down',
  atMs: T,
  items,
});

/** A device with eth1 down (incident down:7) and, if asked, unreachable (unreach:5). */
function state(unreachable = false) {
  const s = emptyDeviceState('r1');
  s.ifaces.set('eth0', emptyIface('online'));
  s.ifaces.set('eth1', { ...emptyIface('offline'), downSinceMs: T, downIncidentId: 'down:7' });
  if (unreachable) {
    s.reach = 'unreachable';
    s.unreachableIncidentId = 'unreach:5';
  }
  return s;
}
const down = (id: string, iface: string): NoticeItem => ({ kind: 'link_down', id, iface, atMs: T });
const reminder = (iface: string | null): NoticeItem => ({
  kind: 'reminder',
  id: 'rem:1',
  atMs: T,
  iface,
  sinceMs: T,
  n: 1,
});

describe('acknowledgement links (pure)', () => {
  const rows: Array<[string, Notice, boolean, string[]]> = [
    ['a DOWN still open', notice(notify(down('down:7', 'eth1'))), false, ['down:7']],
    ['a DOWN already closed', notice(notify(down('down:3', 'eth0'))), false, []],
    ['a DOWN not notified (silenced)', notice(notify(down('down:7', 'eth1'), 'silenced')), false, []],
    ['the same DOWN twice', notice(notify(down('down:7', 'eth1')), notify(down('down:7', 'eth1'))), false, ['down:7']],
    ['a reminder of a link', notice(notify(reminder('eth1'))), false, ['down:7']],
    ['a reminder of a link that is up', notice(notify(reminder('eth0'))), false, []],
    ['a reminder of the device', notice(notify(reminder(null))), true, ['unreach:5']],
    [
      'unreachable',
      notice(notify({ kind: 'device_unreachable', id: 'unreach:5', atMs: T, lastSeenMs: T, timeoutMs: 1 })),
      true,
      ['unreach:5'],
    ],
    [
      'an UP',
      notice(
        notify({ kind: 'link_up', id: 'up:8', iface: 'eth1', atMs: T, downSinceMs: T, durationMs: 1 } as NoticeItem),
      ),
      false,
      [],
    ],
  ];
  for (const [name, n, unreachable, want] of rows)
    it(`${name}: ${want.join(', ') || 'none'}`, () => {
      assert.deepEqual(
        ackableIncidents(n, state(unreachable)).map((a) => a.incidentId),
        want,
      );
    });

  const links: MessageLinks = {
    report: 'https://noc.test/share/devices/r1/uptime?exp=1&sig=x',
    ack: [
      { by: 'anna@x.test', what: 'eth1 DOWN', url: 'https://noc.test/ack/down%3A7?by=anna&a=1&b=<2>' },
      { by: 'noc@x.test', what: 'eth1 DOWN', url: 'https://noc.test/ack/down%3A7?by=noc' },
    ],
  };
  it('the email text and HTML offer one link per recipient and the report; HTML escaped', () => {
    assert.deepEqual(linkLines(links), [
      '',
      'Acknowledge (stops the reminders; opens a page with a button):',
      '  - as anna@x.test: https://noc.test/ack/down%3A7?by=anna&a=1&b=<2>',
      '  - as noc@x.test: https://noc.test/ack/down%3A7?by=noc',
      '',
      'Uptime report (last 7 days): https://noc.test/share/devices/r1/uptime?exp=1&sig=x',
    ]);
    const html = linkHtml(links).join('\n');
    assert.match(html, /href="https:\/\/noc\.test\/ack\/down%3A7\?by=anna&amp;a=1&amp;b=&lt;2&gt;"/);
    assert.doesNotMatch(html, /<2>/);
    const ctx = { device: { id: 'r1', name: 'R', site: null }, mode: null, ifaces: new Map(), policies: new Map() };
    const n = notice(notify(down('down:7', 'eth1')));
    const mail = renderNotice(n, { ...ctx, dashboardUrl: null, links });
    assert.match(mail.text, /as noc@x\.test: https:\/\/noc\.test\/ack\/down%3A7\?by=noc/);
    assert.doesNotMatch(renderNotice(n, { ...ctx, dashboardUrl: null }).text, /Acknowledge/);
  });

  it('a chat message carries its own acknowledgement link in its JSON, text and card', () => {
    const one: MessageLinks = { report: links.report, ack: [{ ...links.ack[1]!, by: 'teams:noc' }] };
    const n = notice(notify(down('down:7', 'eth1')));
    const ctx = { device: { id: 'r1', name: 'R', site: null }, mode: null, ifaces: new Map(), policies: new Map() };
    const m = receiverMessage(n, renderNotice(n, { ...ctx, dashboardUrl: null, links: one }), ctx.device, null, one);
    assert.equal(m.links.ack, links.ack[1]!.url);
    assert.equal(m.links.report, links.report);
    const [teams] = parseReceivers([{ type: 'teams', name: 'noc', url: 'http://127.0.0.1:9/w' }]);
    const card = JSON.parse(receiverRequests(teams!, m, { nowMs: 0, idempotencyKey: 'k' })[0]!.body);
    const actions = card.attachments[0].content.actions as Array<{ title: string; url: string }>;
    assert.deepEqual(
      actions.map((a) => a.title),
      ['Acknowledge', 'Uptime report'],
    );
    assert.match(m.text, /as teams:noc: https/);
  });
});
