/**
 * Size at 100,000 devices: the fleet and templated dashboards do not depend on the fleet, and with
 * per-device dashboards on `auto` only those two are generated.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceRecord } from '../../store/index.ts';
import { allDashboards, DEFAULT_DASHBOARD_OPTIONS } from '../dashboard-set.ts';
import type { DashboardInventory } from '../inventory.ts';

const N = 100_000;
const records: DeviceRecord[] = Array.from({ length: N }, (_, i) => ({
  v: 1,
  id: `ce-${String(i).padStart(6, '0')}`,
  name: `Shop ${i}`,
  site: `site-${i % 500}`,
  tokenHash: 'scrypt$x',
  createdAtMs: 0,
  notificationEmails: [],
  multiWan: null,
}));
const inv: DashboardInventory = {
  listDevices: async () => records,
  countDevices: async () => records.length,
  loadDevice: async (id) => records.find((r) => r.id === id) ?? null,
  reported: async () => ({ ifaces: ['wan', 'wanb'], policies: ['balanced'] }),
};

describe('dashboards at 100,000 devices', () => {
  it('two dashboards, the fleet JSON the same size as for one device', async () => {
    const t0 = performance.now();
    const big = await allDashboards(inv, DEFAULT_DASHBOARD_OPTIONS, records);
    const ms = performance.now() - t0;
    const small = await allDashboards(inv, { ...DEFAULT_DASHBOARD_OPTIONS, perDevice: 'never' }, records.slice(0, 1));
    const bytes = (x: typeof big) => x.map((d) => Buffer.byteLength(JSON.stringify(d.dashboard)));
    assert.equal(big.length, 2, 'fleet + templated device dashboard');
    assert.deepEqual(bytes(big), bytes(small));
    const [fleetBytes = 0, templateBytes = 0] = bytes(big);
    assert.ok(fleetBytes < 20_000, `fleet JSON ${fleetBytes} bytes`);
    console.log(
      `100000 devices: ${big.length} dashboards, fleet ${fleetBytes} B, device template ${templateBytes} B, generated in ${ms.toFixed(0)} ms`,
    );
  });

  it('per-device dashboards only while the fleet is small (auto), or when forced', async () => {
    const few = records.slice(0, 3);
    assert.equal((await allDashboards(inv, DEFAULT_DASHBOARD_OPTIONS, few)).length, 5);
    assert.equal((await allDashboards(inv, { ...DEFAULT_DASHBOARD_OPTIONS, perDevice: 'never' }, few)).length, 2);
    const max = DEFAULT_DASHBOARD_OPTIONS.perDeviceMax;
    assert.equal((await allDashboards(inv, DEFAULT_DASHBOARD_OPTIONS, records.slice(0, max + 1))).length, 2);
    assert.equal(
      (await allDashboards(inv, { ...DEFAULT_DASHBOARD_OPTIONS, perDevice: 'always' }, records.slice(0, max + 1)))
        .length,
      max + 3,
    );
  });
});
