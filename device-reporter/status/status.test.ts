import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMwan3Config } from '../config/mwan3-config.ts';
import { computePolicyChains } from '../policies/compute-policy-splits.ts';
import { buildStatusView } from './build-status-view.ts';
import { formatMwan3Status } from './mwan3-status-text.ts';
import { parseMwan3StatusText } from './parse-mwan3-status-text.ts';
import { readStatusFile, writeStatusFile } from './status-file.ts';
import { parseUbusMwan3Status } from './ubus-status.ts';

const SEED = '/work/shared/fixtures/seed';
const seedConfig = parseMwan3Config(readFileSync(`${SEED}/etc-config-mwan3`, 'utf8'));
const policiesBlock = (text: string): string =>
  text
    .slice(
      text.indexOf('Current ipv4 policies:'),
      text.indexOf('Directly connected') >= 0 ? text.indexOf('Directly connected') : undefined,
    )
    .trimEnd();

describe('mwan3 status text', () => {
  it('parses both seed layouts to the same result', () => {
    const normal = parseMwan3StatusText(readFileSync(`${SEED}/mwan3-status.txt`, 'utf8'));
    const documented = parseMwan3StatusText(readFileSync(`${SEED}/mwan3-status.as-documented.txt`, 'utf8'));
    assert.deepEqual(documented, normal);
    assert.deepEqual(normal.interfaces, [
      { name: 'eth1', status: 'online', tracking: 'active', onlineS: 25 * 60 + 17, uptimeS: 25 * 60 + 24 },
      { name: 'eth0', status: 'online', tracking: 'active', onlineS: 25 * 60 + 25, uptimeS: 25 * 60 + 37 },
      { name: 'wlm0', status: 'offline', tracking: 'down' },
    ]);
    assert.deepEqual(normal.policies.ipv4, [
      { policy: 'FAIL_OVER', members: [{ iface: 'eth1', pct: 100 }] },
      {
        policy: 'LOAD_BALANCE',
        members: [
          { iface: 'eth0', pct: 50 },
          { iface: 'eth1', pct: 50 },
        ],
      },
    ]);
    assert.deepEqual(normal.policies.ipv6, [
      { policy: 'FAIL_OVER', members: [], lastResort: 'unreachable' },
      { policy: 'LOAD_BALANCE', members: [], lastResort: 'unreachable' },
    ]);
  });

  it('parses the 2.11.12+ interface format', () => {
    const p = parseMwan3StatusText(
      'Interface status:\n interface wan is online and tracking is active (online 00h:12m:34s, uptime 01h:02m:03s)\n interface wanb6 is disabled and tracking is paused (31)\n interface wan6 is unknown and tracking is disabled\n',
    );
    assert.deepEqual(p.interfaces, [
      { name: 'wan', status: 'online', tracking: 'active', onlineS: 754, uptimeS: 3723 },
      { name: 'wanb6', status: 'disabled', tracking: 'paused', errorMask: 31 },
      { name: 'wan6', status: 'unknown', tracking: 'disabled' },
    ]);
  });

  it('our policies section for both links online equals the seed mwan3 status, byte for byte', () => {
    const ours = formatMwan3Status([], computePolicyChains(seedConfig, ['eth0', 'eth1']));
    assert.equal(policiesBlock(ours), policiesBlock(readFileSync(`${SEED}/mwan3-status.txt`, 'utf8')));
    // and what we print parses back to the seed's policies
    assert.deepEqual(
      parseMwan3StatusText(ours).policies,
      parseMwan3StatusText(readFileSync(`${SEED}/mwan3-status.txt`, 'utf8')).policies,
    );
  });
});

describe('status view', () => {
  it('--assume-online what-if, including the empty list', () => {
    const v = buildStatusView(seedConfig, undefined, ['eth0'], 0);
    assert.deepEqual(
      v.ifaces.map((i) => `${i.name}:${i.state}`),
      ['eth1:offline', 'eth0:online', 'wlm0:unknown'],
    );
    const text = formatMwan3Status(v.ifaces, v.chains);
    assert.match(text, /FAIL_OVER:\n eth0 \(100%\)\nLOAD_BALANCE:\n eth0 \(100%\)/);
    const none = formatMwan3Status(
      buildStatusView(seedConfig, undefined, [], 0).ifaces,
      buildStatusView(seedConfig, undefined, [], 0).chains,
    );
    assert.match(none, /Current ipv4 policies:\nFAIL_OVER:\n unreachable\nLOAD_BALANCE:\n unreachable/);
  });

  it('reads the status file of a running reporter; disconnecting stays routed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ww-status-'));
    try {
      assert.equal(readStatusFile(dir), undefined);
      writeStatusFile(dir, {
        v: 1,
        timeMs: 10_000,
        ifaces: {
          eth1: { state: 'disconnecting', score: 3, routed: true },
          eth0: { state: 'online', score: 4, routed: true, sinceMs: 0 },
        },
        policies: [],
      });
      const live = readStatusFile(dir)!;
      const v = buildStatusView(seedConfig, live, undefined, 3_723_000);
      const text = formatMwan3Status(v.ifaces, v.chains);
      assert.match(
        text,
        / interface eth1 is disconnecting and tracking is active\n interface eth0 is online and tracking is active \(online 01h:02m:03s\)\n interface wlm0 is unknown and tracking is down/,
      );
      assert.match(text, /FAIL_OVER:\n eth1 \(100%\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses ubus call mwan3 status JSON (2.12 and 2.11 notracking)', () => {
    const u = parseUbusMwan3Status({
      interfaces: {
        wan: {
          age: 2,
          online: 100,
          offline: 0,
          uptime: 120,
          score: 10,
          lost: 0,
          turn: 5,
          status: 'online',
          enabled: true,
          running: true,
          tracking: 'active',
          up: true,
          track_ip: [{ ip: '1.1.1.1', status: 'up', latency: 12, packetloss: 0 }],
        },
        wanb: { status: 'notracking', score: 0, enabled: true, up: true },
      },
      policies: { ipv4: { balanced: [{ interface: 'wan', percent: 100 }] }, ipv6: {} },
    });
    assert.deepEqual(
      u.interfaces.map((i) => [i.name, i.state, i.score, i.tracking]),
      [
        ['wan', 'online', 10, 'active'],
        ['wanb', 'unknown', 0, undefined],
      ],
    );
    assert.deepEqual(u.interfaces[0]!.targets, [{ ip: '1.1.1.1', status: 'up', latencyMs: 12, lossPct: 0 }]);
    assert.deepEqual(u.policies.ipv4.balanced, [{ iface: 'wan', pct: 100 }]);
  });
});
