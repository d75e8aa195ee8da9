/**
 * Golden JSON of one device and the fleet. Regenerate after an intended change with
 *   WANWATCH_UPDATE_GOLDEN=1 npm test -- dashboards/test/golden
 * and review the diff like code.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { buildDeviceDashboard, buildTemplatedDeviceDashboard } from '../core/device-dashboard.ts';
import { buildFleetDashboard } from '../core/fleet-dashboard.ts';
import { DATASOURCE_UID, deviceDashboardUid } from '../core/names.ts';

const UPDATE = process.env.WANWATCH_UPDATE_GOLDEN === '1';
const golden = (name: string) => new URL(`./${name}.golden.json`, import.meta.url);

function checkGolden(name: string, value: unknown): void {
  const text = JSON.stringify(value, null, 2) + '\n';
  if (UPDATE) writeFileSync(golden(name), text);
  assert.equal(
    text,
    readFileSync(golden(name), 'utf8'),
    `${name} differs from its golden file (WANWATCH_UPDATE_GOLDEN=1 to accept)`,
  );
}

interface AnyPanel {
  id?: number;
  type: string;
  datasource?: { type?: string; uid?: string };
  targets?: Array<{ datasource?: { uid?: string }; refId?: string }>;
  panels?: AnyPanel[];
}

function checkStructure(d: { panels?: unknown[]; schemaVersion?: number; uid?: string }): void {
  assert.equal(d.schemaVersion, 42, 'the default (Grafana 12) schemaVersion');
  const panels = (d.panels ?? []) as AnyPanel[];
  const all = panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  const ids = all.map((p) => p.id);
  assert.ok(
    ids.every((id) => Number.isInteger(id) && (id as number) > 0),
    `every panel has an id: ${ids.join()}`,
  );
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  for (const p of all) {
    assert.deepEqual(p.datasource, { type: 'influxdb', uid: DATASOURCE_UID }, `panel ${p.id} datasource`);
    if (p.type === 'row') continue;
    assert.ok(p.targets && p.targets.length > 0, `panel ${p.id} has targets`);
    const refIds = p.targets.map((t) => t.refId);
    assert.equal(new Set(refIds).size, refIds.length, `panel ${p.id} refIds unique`);
    for (const t of p.targets) assert.equal(t.datasource?.uid, DATASOURCE_UID, `panel ${p.id} target datasource`);
  }
}

describe('golden dashboards', () => {
  it('device dashboard', () => {
    const d = buildDeviceDashboard({
      deviceId: 'ce-0042',
      name: 'Lyon shop',
      site: 'Lyon',
      ifaces: ['wan', 'wanb', 'lte'],
      policies: ['balanced', 'wan_only'],
    });
    checkStructure(d);
    assert.equal(d.uid, 'ww-ce-0042');
    // Panels only for the interfaces given: one row each, none for others.
    const rows = (d.panels as AnyPanel[]).filter((p) => p.type === 'row').map((p) => (p as { title?: string }).title);
    assert.deepEqual(rows, ['Overview', 'Interface wan', 'Interface wanb', 'Interface lte']);
    checkGolden('device', d);
  });

  it('fleet dashboard', () => {
    const d = buildFleetDashboard();
    checkStructure(d);
    checkGolden('fleet', d);
  });

  it('templated device dashboard', () => {
    const d = buildTemplatedDeviceDashboard();
    checkStructure(d);
    assert.equal(d.uid, 'wanwatch-device');
    const names = (d.templating?.list ?? []).map((v) => v.name);
    assert.deepEqual(names, ['device', 'iface', 'rp']);
    const rows = (d.panels as Array<AnyPanel & { repeat?: string }>).filter((p) => p.type === 'row');
    assert.deepEqual(
      rows.map((r) => r.repeat),
      [undefined, 'iface'],
    );
    checkGolden('device-template', d);
  });

  it('device uids are stable, valid and at most 40 characters', () => {
    const long = 'x'.repeat(60);
    for (const id of ['ce-1', 'Zürich/1', long, "a'b\\c", 'fleet']) {
      const uid = deviceDashboardUid(id);
      assert.match(uid, /^ww-[A-Za-z0-9_-]{1,37}$/, id);
      assert.equal(uid, deviceDashboardUid(id));
    }
    assert.notEqual(deviceDashboardUid(long), deviceDashboardUid(long + 'y'));
    assert.notEqual(deviceDashboardUid('a/b'), deviceDashboardUid('a_b'));
    assert.equal(deviceDashboardUid('ce-1'), 'ww-ce-1');
  });
});
