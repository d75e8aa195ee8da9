import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TransitionRecord } from '../../contract/index.ts';
import { switchableProber, waitFor } from '../test/run-fixtures.ts';
import { withDefaults } from '../tracker/tracking-options.ts';
import type { CarriedStateStore } from './carried-state.ts';
import { createLinkTrackers } from './link-trackers.ts';
import type { ConfirmedState } from './restart-confirmation.ts';

/** Our own small interfaces faked: a switchable prober (no packets) and an in-memory carried-state store. */
function setup(carriedAtStart: Array<[string, ConfirmedState]>) {
  const carried = new Map(carriedAtStart);
  const store: CarriedStateStore = { get: (n) => carried.get(n) ?? 'unknown', set: (n, s) => void carried.set(n, s) };
  const sw = switchableProber(1);
  const out: string[] = [];
  const links = createLinkTrackers({
    prober: sw.prober,
    nowMs: Date.now,
    logger: { info() {}, warn() {} },
    carried: store,
    onSample: () => {},
    onTransition: (t: Omit<TransitionRecord, 'seq'>) => out.push(`${t.iface}:${t.from}>${t.to}:${t.reason}`),
  });
  const iface = {
    name: 'wan',
    options: withDefaults({ trackIps: ['192.0.2.1'], intervalS: 1, timeoutS: 1, up: 2, down: 2 }),
  };
  return { carried, sw, out, links, iface };
}

describe('link trackers (one tracker per interface)', () => {
  it('opens from the carried state, confirms a recovery once, and persists it', async () => {
    const { carried, out, links, iface } = setup([['wan', 'offline']]);
    links.start(iface, 'start');
    await waitFor('confirmation', () => out.includes('wan:offline>online:track'), 6000);
    assert.deepEqual(out, ['wan:offline>online:start', 'wan:offline>online:track']);
    assert.equal(carried.get('wan'), 'online');
    await links.end('wan', 'stop');
    assert.deepEqual(out.slice(2), ['wan:online>unknown:stop']);
  });

  it('ifdown: offline at once, once; ifup: tracking restarts; end: gone; unknown names are ignored', async () => {
    const { carried, out, links, iface } = setup([]);
    links.start(iface, 'start');
    assert.deepEqual(out, ['wan:unknown>online:start']);
    assert.equal(await links.ifdown('wan'), true);
    assert.deepEqual(out.slice(1), ['wan:online>offline:ifdown']);
    assert.equal(links.states().wan, 'offline');
    assert.equal(carried.get('wan'), 'offline');
    await links.ifdown('wan');
    assert.equal(out.length, 2, 'a second ifdown of an offline link records nothing');
    assert.equal(await links.ifup('wan'), true);
    assert.deepEqual(out.slice(2), ['wan:offline>online:ifup']);
    await links.ifup('wan');
    assert.equal(out.length, 3, 'ifup of a link already in its initial state records nothing');
    assert.equal(await links.ifdown('lan'), false);
    await links.end('wan', 'config');
    assert.deepEqual(out.slice(3), ['wan:online>unknown:config']);
    assert.deepEqual(links.states(), {});
    await links.end('wan', 'config');
    assert.equal(out.length, 4);
  });
});
