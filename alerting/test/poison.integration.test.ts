/**
 * Poison work (issue #14, F5): a step that fails for a reason other than an outage — injected here
 * through alerting's own steps interface, and the real `constructor` interface name — is
 * quarantined after poisonMaxAttempts, visible in GET /api/v1/alerting/quarantine and in
 * wanwatch_alerting_quarantined, and never blocks the device's later events.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { QUEUES } from '../../store/index.ts';
import request from 'supertest';
import { jobIdOf } from '../deliver.ts';
import { applyDeviceEvents } from '../core/apply-events.ts';
import { flushGroup } from '../core/flush.ts';
import type { AlertingSteps } from '../device-steps.ts';
import { job, pol, tr } from './fixtures.ts';
import { bullConnection, expectMails, startHarness, waitFor, type Harness } from './harness.ts';

const now = () => Date.now();
const POISON_IFACE = 'poison0';

/** Steps that crash on one interface name (apply) or on one device's first group (flush): a bug, not an outage. */
const steps: Partial<AlertingSteps> = {
  applyDeviceEvents(state, ev, nowMs, opts) {
    if (ev.transitions.some((t) => t.iface === POISON_IFACE)) throw new TypeError('injected: cannot apply this record');
    return applyDeviceEvents(state, ev, nowMs, opts);
  },
  flushGroup(state, groupId, nowMs, silences) {
    if (state.deviceId === 'pg1' && state.group?.events.some((e) => e.kind === 'link_down'))
      throw new RangeError('injected: cannot flush this group');
    return flushGroup(state, groupId, nowMs, silences);
  },
};

async function quarantine(h: Harness) {
  const r = await request(h.api).get('/api/v1/alerting/quarantine').expect(200);
  return r.body.quarantined as Array<{
    kind: string;
    deviceId: string;
    error: string;
    attempts: number;
    queue: string;
  }>;
}

async function metric(h: Harness, source: string): Promise<number> {
  const m = await h.alerting.registry.getSingleMetric('wanwatch_alerting_quarantined')!.get();
  return m.values.find((v) => v.labels.source === source)?.value ?? 0;
}

describe('poison work is quarantined and never blocks a device', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('alert_poison', { steps });
  });
  after(() => h?.close());

  async function steady(id: string) {
    await h.addDevice(id);
    const t = now() - 5000;
    await h.post(
      job(id, [
        tr(1, 'eth0', 'unknown', 'online', t),
        tr(2, 'eth1', 'unknown', 'online', t),
        pol(3, ['eth0', 'eth1'], t),
      ]),
    );
  }

  it('an events record that crashes the apply step: quarantined, the later link-down is emailed', async () => {
    await steady('pe1');
    await h.post(job('pe1', [tr(10, POISON_IFACE, 'online', 'offline', now())]));
    await h.post(job('pe1', [tr(11, 'eth1', 'online', 'offline', now())]));
    const mails = await expectMails(h, 'pe1', 1, 500, 20_000);
    assert.deepEqual(
      mails.map((m) => m.subject),
      ['[wanwatch] Router pe1 (Berlin): eth1 DOWN'],
    );
    const q = (await quarantine(h)).filter((e) => e.deviceId === 'pe1');
    assert.equal(q.length, 1, JSON.stringify(q));
    assert.equal(q[0]!.kind, 'device_events');
    assert.match(q[0]!.error, /injected: cannot apply/);
    assert.equal(q[0]!.attempts, 3);
    assert.ok((await metric(h, 'device_events')) >= 1);
  });

  it('a group whose flush crashes: the flush job fails after its attempts, the group is quarantined, the next event is emailed', async () => {
    await steady('pg1');
    await h.post(job('pg1', [tr(10, 'eth1', 'online', 'offline', now())]));
    const q = await waitFor(
      'the group in quarantine',
      async () => {
        const all = (await quarantine(h)).filter((e) => e.deviceId === 'pg1');
        return all.some((e) => e.kind === 'group') && all.some((e) => e.kind === 'job' && e.queue === 'timers') && all;
      },
      20_000,
    );
    assert.ok(q.some((e) => e.kind === 'job' && e.queue === 'timers' && /injected: cannot flush/.test(e.error)));
    await h.post(job('pg1', [tr(11, 'eth1', 'offline', 'online', now())]));
    const mails = await expectMails(h, 'pg1', 1, 500, 20_000);
    assert.equal(mails.length, 1);
    assert.match(mails[0]!.subject!, /^\[wanwatch\] Router pg1 \(Berlin\): eth1 UP after /);
    assert.ok((await metric(h, 'group')) >= 1);
    assert.ok((await metric(h, 'timers')) >= 1);
  });

  it('watchdog: a group past due whose flush job is gone is flushed by the sweep, and later events are emailed', async () => {
    await steady('pw1');
    await h.post(job('pw1', [tr(10, 'eth1', 'online', 'offline', now())]));
    const timers = new Queue(QUEUES.alertTimers, { connection: bullConnection(h.redisUrl), prefix: h.keys.bull });
    after(() => timers.close());
    const flushId = jobIdOf('flush', 'pw1', 'down:boot-aaaaaaaa:10');
    await waitFor('the delayed flush job', async () => (await timers.getJobState(flushId)) === 'delayed');
    // Lost, as after an operator's clean-up or a Redis that lost its data: nothing would flush the group.
    await timers.remove(flushId);
    const first = await expectMails(h, 'pw1', 1, 500, 20_000);
    assert.deepEqual(
      first.map((m) => m.subject),
      ['[wanwatch] Router pw1 (Berlin): eth1 DOWN'],
    );
    const flushed = await h.alerting.registry.getSingleMetric('wanwatch_alerting_stuck_groups_flushed_total')!.get();
    assert.ok(flushed.values[0]!.value >= 1);
    await h.post(job('pw1', [tr(11, 'eth1', 'offline', 'online', now())]));
    const both = await expectMails(h, 'pw1', 2, 500, 20_000);
    assert.equal(both.length, 2);
    assert.match(both[1]!.subject!, /eth1 UP after/);
  });

  it('interface names that are Object.prototype keys do not block the device (real input, no injection)', async () => {
    await steady('pc1');
    const t = now();
    await h.post(
      job('pc1', [tr(10, 'constructor', 'online', 'offline', t), tr(11, '__proto__', 'online', 'offline', t)]),
    );
    await h.post(job('pc1', [tr(12, 'eth1', 'online', 'offline', t + 1)]));
    const mails = await waitFor(
      'an email naming eth1 DOWN',
      async () => {
        const ms = (await h.parsed()).filter((m) => (m.subject ?? '').includes('Router pc1 ('));
        return ms.some((m) => /eth1 DOWN/.test(m.subject ?? '')) && ms;
      },
      20_000,
    );
    assert.ok(mails.length >= 1);
  });
});
