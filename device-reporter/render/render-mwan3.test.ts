import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseNetworkConfig } from '../config/network-config.ts';
import { parseUci, writeUci, type UciPackage } from '../config/uci.ts';
import { parseMultiWan, MultiWanError } from './parse-multiwan.ts';
import { renderMwan3 } from './render-mwan3.ts';

const SEED = '/work/shared/fixtures/seed';
const response = JSON.parse(readFileSync(`${SEED}/last_config_response.json`, 'utf8')) as {
  multiWanV2: Record<string, unknown>;
};
const network = parseNetworkConfig(readFileSync(`${SEED}/etc-config-network`, 'utf8'));

/** Sections keyed by type+name, options as objects (key order aside; list order kept, it matters to mwan3). */
function bySection(pkg: UciPackage): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    pkg.sections.map((s) => [
      `${s.type} ${s.name}`,
      Object.fromEntries([...s.values].sort(([a], [b]) => a.localeCompare(b))),
    ]),
  );
}

describe('render-mwan3', () => {
  it('renders the seed multiWanV2 + network to the seed /etc/config/mwan3 (section order aside)', () => {
    const rendered = renderMwan3(parseMultiWan(response), network);
    const want = parseUci(readFileSync(`${SEED}/etc-config-mwan3`, 'utf8'));
    assert.deepEqual(bySection(parseUci(writeUci(rendered))), bySection(want));
  });

  it('errors name the field', () => {
    const bad = structuredClone(response);
    const cfg = bad.multiWanV2.wanInterfacesConfig as Record<string, Record<string, unknown>>;
    cfg.eth0!.multiWANMetric = 300;
    cfg.eth1!.multiWANWeight = 0;
    delete cfg.wlm0!.pingTimeout;
    assert.throws(
      () => parseMultiWan(bad),
      (e: unknown) =>
        e instanceof MultiWanError &&
        e.issues.some((i) => i.startsWith('multiWanV2.wanInterfacesConfig.eth0.multiWANMetric')) &&
        e.issues.some((i) => i.startsWith('multiWanV2.wanInterfacesConfig.eth1.multiWANWeight')) &&
        e.issues.some((i) => i.startsWith('multiWanV2.wanInterfacesConfig.wlm0.pingTimeout')),
    );
    const badName = structuredClone(response);
    (badName.multiWanV2.wanInterfacesConfig as Record<string, unknown>)['wan-1'] = {
      ...(badName.multiWanV2.wanInterfacesConfig as Record<string, object>).eth0,
      interfaceName: 'wan-1',
    };
    assert.throws(() => parseMultiWan(badName), /wanInterfacesConfig\.wan-1\.interfaceName/);
    assert.throws(
      () => parseMultiWan({ multiWanV2: { ...response.multiWanV2, mode: 'ROUND_ROBIN' } }),
      /multiWanV2\.mode/,
    );
  });

  it('FAIL_OVER mode points the rules at FAIL_OVER; without network config every WAN gets a section', () => {
    const mw = parseMultiWan({ multiWanV2: { ...response.multiWanV2, mode: 'FAIL_OVER' } });
    const out = bySection(renderMwan3(mw));
    assert.equal(out['rule DEFAULT_ANY']!.use_policy, 'FAIL_OVER');
    assert.ok(out['interface pppoe0']);
    assert.deepEqual(out['policy FAIL_OVER']!.use_member, ['eth1_m1_w1', 'eth0_m2_w1']);
  });
});
