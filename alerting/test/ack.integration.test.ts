import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import request from 'supertest';
import { mailsFor, startHarness, waitFor, type Harness } from './harness.ts';
import { job, pol, tr } from './fixtures.ts';

const now = () => Date.now();
let h: Harness;
after(async () => h?.close());

async function linkDown(id: string) {
  await h.addDevice(id);
  await h.post(
    job(id, [
      tr(1, 'eth0', 'unknown', 'online', now() - 5000),
      tr(2, 'eth1', 'unknown', 'online', now() - 5000),
      pol(3, ['eth0', 'eth1'], now() - 5000),
    ]),
  );
  await h.post(job(id, [tr(10, 'eth1', 'online', 'offline', now())]));
}

describe('acknowledgement through the API (real Redis, InfluxDB, BullMQ, SMTP sink)', () => {
  it('an acknowledged link DOWN gets no reminders, an unacknowledged one does; the ack and who are recorded', async () => {
    h = await startHarness('ack_api', { options: { reminderIntervalMs: 2500, sweepIntervalMs: 150 } });
    await linkDown('k1');
    await linkDown('k2');
    const queued = await waitFor('the DOWN notification of k1', async () => {
      const r = await request(h.api).get('/api/v1/notifications?status=queued&deviceId=k1');
      return r.body.notifications.length >= 1 && r.body.notifications[0];
    });
    const api = request(h.api);
    await api.post('/api/v1/incidents/nope/ack').send({ deviceId: 'k1', by: 'anna' }).expect(404);
    await api
      .post(`/api/v1/incidents/${encodeURIComponent(queued.incidentId)}/ack`)
      .send({ deviceId: 'k1' })
      .expect(422);
    const ack = await api
      .post(`/api/v1/incidents/${encodeURIComponent(queued.incidentId)}/ack`)
      .send({ deviceId: 'k1', by: 'anna', comment: 'ISP ticket 123' })
      .expect(201);
    assert.equal(ack.body.kind, 'link_down');
    assert.equal(ack.body.iface, 'eth1');
    await waitFor('a reminder for k2', async () => (await mailsFor(h, 'k2')).length >= 2, 20_000);
    await waitFor('a second reminder for k2', async () => (await mailsFor(h, 'k2')).length >= 3, 20_000);
    assert.equal((await mailsFor(h, 'k1')).length, 1, 'k1 was acknowledged: its DOWN only');
    const rows = await h.influx.query<{ title: string; text: string }>(
      `SELECT * FROM "forever"."wan_incident" WHERE "status" = 'acknowledged'`,
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.title, 'acknowledged by anna');
    assert.equal(rows[0]!.text, 'ISP ticket 123');
  });
});
