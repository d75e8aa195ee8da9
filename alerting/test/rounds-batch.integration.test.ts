/**
 * Rounds batches (ROUNDS_BATCH_JOB: the probe rounds of one ingest tick's samples-only reports, one
 * BullMQ job for many devices), applied by the real alerting workers on real Redis: a device whose
 * record keeps failing is quarantined without holding the others of its batch, and a batch applied
 * twice (a retried report joins another batch) leaves every device's state as once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { ROUNDS_BATCH_JOB, type DeviceEventsJob, type RoundsBatchJob } from '../../store/index.ts';
import { createAlertStore } from '../adapters/store.ts';
import { applyDeviceEvents } from '../core/apply-events.ts';
import { serialiseState } from '../core/state.ts';
import type { AlertingSteps } from '../device-steps.ts';
import { job } from './fixtures.ts';
import { startHarness, waitFor, type Harness } from './harness.ts';

const POISON_IFACE = 'poison0';

/** Crashes on rounds of one interface name: a bug in a step, not an outage. */
const steps: Partial<AlertingSteps> = {
  applyDeviceEvents(state, ev, nowMs, opts) {
    if (ev.rounds?.some((r) => r.iface === POISON_IFACE)) throw new TypeError('injected: cannot apply these rounds');
    return applyDeviceEvents(state, ev, nowMs, opts);
  },
};

/** A samples-only report's alerting record: `count` rounds of `iface`, 5 s apart, ending 10 s ago. */
function roundsOf(deviceId: string, iface: string, count: number, lossPct = 0): DeviceEventsJob {
  const t0 = Date.now() - 10_000 - count * 5_000;
  const rounds = Array.from({ length: count }, (_, i) => ({
    iface,
    timeMs: t0 + i * 5_000,
    up: true,
    lossPct,
    rttAvgMs: 20,
    jitterMs: 1,
  }));
  const last = rounds[rounds.length - 1]!;
  const metrics = { [iface]: { timeMs: last.timeMs, rttAvgMs: 20, lossPct, jitterMs: 1, state: 'online' } };
  return job(deviceId, [], { rounds, metrics, receivedAtMs: Date.now() });
}

describe('rounds batches: many devices in one job, none holding another', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('alert_rounds', { steps });
  });
  after(() => h?.close());

  const addBatch = (reports: DeviceEventsJob[]) =>
    h.events.add(ROUNDS_BATCH_JOB as 'report', { v: 1, reports } satisfies RoundsBatchJob as never);
  const store = () => createAlertStore(h.redis, h.prefix);

  it('a device whose rounds keep failing is quarantined; the others of its batch are applied at once', async () => {
    for (const id of ['rb-a', 'rb-bad', 'rb-c']) await h.addDevice(id);
    await addBatch([roundsOf('rb-a', 'wan', 3), roundsOf('rb-bad', POISON_IFACE, 2), roundsOf('rb-c', 'lte', 4)]);
    await waitFor(
      'rb-a and rb-c applied',
      async () =>
        (await store().loadState('rb-a')).metrics.has('wan') && (await store().loadState('rb-c')).metrics.has('lte'),
    );
    const quarantined = await waitFor('rb-bad quarantined', async () => {
      const r = await request(h.api).get('/api/v1/alerting/quarantine').expect(200);
      const mine = (r.body.quarantined as Array<{ deviceId: string; kind: string }>).filter(
        (e) => e.deviceId === 'rb-bad',
      );
      return mine.length > 0 ? mine : undefined;
    });
    assert.equal(quarantined[0]!.kind, 'device_events');
    assert.equal(await store().inboxLength('rb-bad'), 0, 'the poison record left the inbox');
    assert.equal((await store().loadState('rb-a')).quality.get('wan')?.rounds.length, 3);
    assert.equal((await store().loadState('rb-c')).quality.get('lte')?.rounds.length, 4);
  });

  it('the same batch applied twice leaves each device as once', async () => {
    await h.addDevice('rb-d');
    await h.addDevice('rb-e');
    const batch = [roundsOf('rb-d', 'wan', 5, 2), roundsOf('rb-e', 'wan', 2)];
    await addBatch(batch);
    await waitFor('rb-e applied', async () => (await store().loadState('rb-e')).metrics.has('wan'));
    await waitFor(
      'inboxes drained',
      async () => (await store().inboxLength('rb-d')) === 0 && (await store().inboxLength('rb-e')) === 0,
    );
    const once = [serialiseState(await store().loadState('rb-d')), serialiseState(await store().loadState('rb-e'))];
    assert.equal((await store().loadState('rb-d')).quality.get('wan')?.rounds.length, 5);
    await addBatch(batch);
    const counts = await waitFor('the second batch done', async () => {
      const c = await h.events.getJobCounts('waiting', 'active', 'delayed');
      return c.waiting! + c.active! + c.delayed! === 0 ? c : undefined;
    });
    assert.ok(counts);
    const twice = [serialiseState(await store().loadState('rb-d')), serialiseState(await store().loadState('rb-e'))];
    assert.deepEqual(twice, once);
  });
});
