import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseMwan3Config } from '../config/mwan3-config.ts';
import { computePolicyChains, computePolicySplits } from './compute-policy-splits.ts';

const seed = parseMwan3Config(readFileSync('/work/shared/fixtures/seed/etc-config-mwan3', 'utf8'));
const show = (online: string[]) =>
  Object.fromEntries(
    computePolicyChains(seed, online).map((c) => [
      `${c.family} ${c.policy}`,
      c.lastResortActive ? c.lastResort : c.chain.map((m) => `${m.iface} (${m.sharePct}%)`).join(', '),
    ]),
  );

function cfg(members: [string, string, number, number][], extra = ''): ReturnType<typeof parseMwan3Config> {
  const ifaces = [...new Set(members.map((m) => m[1]))]
    .map((i) => `config interface '${i}'\n\toption enabled '1'\n`)
    .join('');
  const ms = members
    .map(
      ([n, i, metric, weight]) =>
        `config member '${n}'\n\toption interface '${i}'\n\toption metric '${metric}'\n\toption weight '${weight}'\n`,
    )
    .join('');
  const pol = `config policy 'p'\n${members.map((m) => `\tlist use_member '${m[0]}'\n`).join('')}${extra}`;
  return parseMwan3Config(ifaces + ms + pol);
}

describe('policy splits (mwan3-reference.md, Policies)', () => {
  it('reproduces the seed mwan3 status policies (both links online)', () => {
    assert.deepEqual(show(['eth0', 'eth1']), {
      'ipv4 FAIL_OVER': 'eth1 (100%)',
      'ipv4 LOAD_BALANCE': 'eth0 (50%), eth1 (50%)',
      'ipv6 FAIL_OVER': 'unreachable',
      'ipv6 LOAD_BALANCE': 'unreachable',
    });
  });

  it('fails over and falls back to the last resort', () => {
    assert.deepEqual(show(['eth0']), {
      'ipv4 FAIL_OVER': 'eth0 (100%)',
      'ipv4 LOAD_BALANCE': 'eth0 (100%)',
      'ipv6 FAIL_OVER': 'unreachable',
      'ipv6 LOAD_BALANCE': 'unreachable',
    });
    assert.deepEqual(show([])['ipv4 FAIL_OVER'], 'unreachable');
    const split = computePolicySplits(seed, ['eth0']).find((p) => p.policy === 'FAIL_OVER' && p.family === 'ipv4')!;
    assert.deepEqual(split.members, [
      { iface: 'eth0', sharePct: 100, metric: 2, weight: 1 },
      { iface: 'eth1', sharePct: 0, metric: 1, weight: 1 },
    ]);
    assert.equal(split.lastResortActive, false);
  });

  it('floor(weight*100/sum) over the lowest metric, chain in reverse use_member order', () => {
    const c = cfg([
      ['a3', 'a', 1, 3],
      ['b2', 'b', 1, 2],
      ['c9', 'c', 2, 9],
    ]);
    assert.deepEqual(
      computePolicyChains(c, ['a', 'b', 'c'], ['ipv4'])[0]!.chain.map((m) => `${m.iface}:${m.sharePct}`),
      ['b:40', 'a:60'],
    );
    const thirds = cfg([
      ['a', 'a', 1, 1],
      ['b', 'b', 1, 1],
      ['c', 'c', 1, 1],
    ]);
    assert.deepEqual(
      computePolicyChains(thirds, ['a', 'b', 'c'], ['ipv4'])[0]!.chain.map((m) => m.sharePct),
      [33, 33, 33],
    );
    // a later member with a lower metric flushes the group
    const flush = cfg([
      ['a', 'a', 2, 1],
      ['b', 'b', 2, 1],
      ['c', 'c', 1, 5],
    ]);
    assert.deepEqual(
      computePolicyChains(flush, ['a', 'b', 'c'], ['ipv4'])[0]!.chain.map((m) => `${m.iface}:${m.sharePct}`),
      ['c:100'],
    );
    // metric > 256 is ignored
    const big = cfg([['a', 'a', 300, 1]]);
    assert.equal(computePolicyChains(big, ['a'], ['ipv4'])[0]!.lastResortActive, true);
  });

  it('last_resort and family come from the config; long policy names are skipped', () => {
    const c = cfg([['a', 'a', 1, 1]], "\toption last_resort 'blackhole'\n");
    assert.deepEqual(
      computePolicyChains(c, [], ['ipv4']).map((p) => [p.lastResort, p.lastResortActive]),
      [['blackhole', true]],
    );
    const v6 = parseMwan3Config(
      "config interface 'w6'\n\toption family 'ipv6'\nconfig member 'm'\n\toption interface 'w6'\nconfig policy 'p'\n\tlist use_member 'm'\nconfig policy 'a_very_long_policy'\n\tlist use_member 'm'",
    );
    assert.deepEqual(
      computePolicySplits(v6, ['w6']).map((p) => [p.policy, p.family, p.members.map((m) => m.sharePct)]),
      [
        ['p', 'ipv4', []],
        ['p', 'ipv6', [100]],
      ],
    );
  });
});
