/**
 * The generated JSON against Grafana's own schema types, for every supported Grafana major (see
 * grafana-schema.ts for what is checked). The JSON generated before these checks existed is kept as
 * a fixture and must keep failing with the errors a real Grafana trips over, so the check can fail.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildDeviceDashboard, buildTemplatedDeviceDashboard } from '../core/device-dashboard.ts';
import { buildFleetDashboard } from '../core/fleet-dashboard.ts';
import { SUPPORTED_GRAFANA } from '../core/grafana-version.ts';
import { schemaErrors } from './grafana-schema.ts';

const fixture = (n: string) => JSON.parse(readFileSync(new URL(`./fixtures/${n}`, import.meta.url), 'utf8')) as unknown;

describe('dashboards against @grafana/schema', () => {
  for (const v of SUPPORTED_GRAFANA) {
    it(`Grafana ${v}: fleet, templated device and per-device dashboards have no schema error`, async () => {
      const errors = await schemaErrors(
        {
          fleet: buildFleetDashboard(v),
          template: buildTemplatedDeviceDashboard(v),
          device: buildDeviceDashboard(
            { deviceId: 'ce-0042', name: 'Lyon shop', site: 'Lyon', ifaces: ['wan', 'lte'], policies: ['balanced'] },
            v,
          ),
        },
        v,
      );
      assert.deepEqual(errors, []);
    });
  }

  it('the JSON generated before (foundation SDK defaults) fails with the errors that break Grafana', async () => {
    const old = { device: fixture('device-before-21.json'), fleet: fixture('fleet-before-21.json') };
    const e11 = (await schemaErrors(old, 11)).join('\n');
    const e12 = (await schemaErrors(old, 12)).join('\n');
    const e13 = (await schemaErrors(old, 13)).join('\n');
    for (const e of [e11, e12, e13]) {
      assert.match(e, /"placement"/);
      assert.match(e, /'"auto"' does not exist/, 'interval keys on a query variable');
      assert.match(e, /'"fromAnnotations"' does not exist in type 'InfluxQuery'/, 'editor-only annotation fields');
      assert.match(e, /Property 'cellOptions' is missing/, 'table field config');
    }
    assert.match(e11, /schemaVersion 42, Grafana 11 writes 41/);
    for (const e of [e12, e13]) {
      assert.match(e, /'"hidden"' does not exist/, 'custom.hidden was removed from the table');
      assert.match(e, /'"footer"' does not exist/, 'table footer options were removed');
    }
  });
});
