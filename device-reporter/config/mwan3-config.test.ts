import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseMwan3Config } from './mwan3-config.ts';
import { loadTrackedInterfaces } from './load-tracked.ts';
import { parseNetworkConfig } from './network-config.ts';

const SEED = '/work/shared/fixtures/seed';
const mwan3 = readFileSync(`${SEED}/etc-config-mwan3`, 'utf8');
const network = readFileSync(`${SEED}/etc-config-network`, 'utf8');

describe('mwan3 config model', () => {
  it('reads the seed config with every tracking option', () => {
    const cfg = parseMwan3Config(mwan3);
    assert.deepEqual(
      cfg.interfaces.map((i) => [i.name, i.enabled]),
      [
        ['eth1', true],
        ['eth0', true],
        ['wlm0', false],
      ],
    );
    const eth1 = cfg.interfaces[0]!.tracking;
    assert.deepEqual(
      [
        eth1.trackIps,
        eth1.intervalS,
        eth1.timeoutS,
        eth1.failureIntervalS,
        eth1.recoveryIntervalS,
        eth1.down,
        eth1.up,
        eth1.initialState,
        eth1.count,
        eth1.sizeBytes,
        eth1.maxTtl,
        eth1.checkQuality,
      ],
      [['8.8.8.8', '4.2.2.2'], 5, 2, 5, 5, 1, 3, 'online', 1, 56, 60, false],
    );
    assert.deepEqual(
      cfg.members.find((m) => m.name === 'eth0_m2_w1'),
      { name: 'eth0_m2_w1', iface: 'eth0', metric: 2, weight: 1 },
    );
    assert.deepEqual(
      cfg.policies.map((p) => [p.name, p.useMember, p.lastResort]),
      [
        ['FAIL_OVER', ['eth1_m1_w1', 'eth0_m2_w1'], 'unreachable'],
        ['LOAD_BALANCE', ['eth1_m1_w2', 'eth0_m1_w2'], 'unreachable'],
      ],
    );
    assert.deepEqual(
      cfg.rules.map((r) => [r.name, r.usePolicy]),
      [
        ['DEFAULT_HTTPS', 'LOAD_BALANCE'],
        ['DEFAULT_ANY', 'LOAD_BALANCE'],
      ],
    );
    assert.equal(cfg.globals.mmx_mask, '0x3F00');
  });

  it('applies mwan3 defaults (failure/recovery interval default to interval)', () => {
    const cfg = parseMwan3Config(
      "config interface 'wan'\n\toption enabled '1'\n\toption interval '7'\n\tlist track_ip '1.1.1.1'\nconfig policy 'p'\n\toption last_resort 'default'",
    );
    const t = cfg.interfaces[0]!.tracking;
    assert.deepEqual(
      [
        t.reliability,
        t.count,
        t.timeoutS,
        t.down,
        t.up,
        t.sizeBytes,
        t.maxTtl,
        t.failureIntervalS,
        t.recoveryIntervalS,
        t.failureLatencyMs,
        t.recoveryLatencyMs,
        t.failureLossPct,
        t.recoveryLossPct,
        t.trackMethod,
        t.initialState,
        t.family,
      ],
      [1, 1, 4, 5, 5, 56, 60, 7, 7, 1000, 500, 40, 10, 'ping', 'online', 'ipv4'],
    );
    assert.equal(cfg.policies[0]!.lastResort, 'default');
  });

  it('errors name section and option', () => {
    assert.throws(
      () => parseMwan3Config("config interface 'wan'\n\toption down 'five'"),
      /interface 'wan' option 'down': "five" is not an integer/,
    );
    assert.throws(
      () => parseMwan3Config("config member 'm'\n\toption interface 'wan'\n\toption weight '0'"),
      /member 'm' option 'weight': 0 is outside 1–1000/,
    );
    assert.throws(() => parseMwan3Config("config interface 'wan'\n\toption family 'ipx'"), /option 'family'/);
  });

  it('network: logical interface -> device; loader gives the scheduler enabled interfaces with track_ip', () => {
    const net = parseNetworkConfig(network);
    assert.equal(net.get('wlm0')?.device, 'ttyUSB0');
    assert.equal(net.get('eth1')?.device, 'eth1');
    const loaded = loadTrackedInterfaces(mwan3, network);
    assert.deepEqual(
      loaded.interfaces.map((i) => [i.name, i.device]),
      [
        ['eth1', 'eth1'],
        ['eth0', 'eth0'],
      ],
    );
    assert.deepEqual(loaded.untracked, [{ name: 'wlm0', reason: 'disabled' }]);
    const noDev = loadTrackedInterfaces(
      "config interface 'wwan'\n\toption enabled '1'\n\tlist track_ip '1.1.1.1'",
      network,
    );
    assert.deepEqual(noDev.untracked, [{ name: 'wwan', reason: 'no device' }]);
  });
});
