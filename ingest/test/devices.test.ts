import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { Router } from 'express';
import { ProblemError } from '../../contract/index.ts';
import { deviceRecordSchema } from '../../store/index.ts';
import { startTestIngest, type TestIngest } from '../../test-support/ingest.ts';
import { InfluxDB } from 'influx';
import { continuousQueriesOf, ensureInfluxSchema } from '../../store/influx-ensure.ts';
import { sampleReport } from '../../test-support/records.ts';

const seed = JSON.parse(readFileSync('/work/shared/fixtures/seed/last_config_response.json', 'utf8')) as {
  multiWanV2: Record<string, unknown>;
};

describe('devices API', () => {
  let t: TestIngest;
  let shop1Token = '';
  const changed: string[] = [];
  const plugin = Router();
  plugin.get('/plugin/boom', () => {
    throw new ProblemError('invalid_query', 'plugin says no');
  });
  plugin.post('/plugin/echo', (req, res) => {
    res.json(req.body);
  });
  before(async () => {
    t = await startTestIngest({ label: 'devices', routers: [plugin], onDeviceChanged: (id) => changed.push(id) });
  });
  after(() => t.close());
  const admin = () => `Bearer ${t.adminToken}`;

  it('registers a device: token shown once, stored as an HMAC, duplicate refused', async () => {
    const res = await request(t.app)
      .post('/api/v1/devices')
      .set('Authorization', admin())
      .send({ id: 'shop-1', name: 'Shop 1', site: 'Berlin', notificationEmails: ['owner@example.com'] })
      .expect(201);
    shop1Token = res.body.token;
    assert.match(res.body.token, /^shop-1\.[A-Za-z0-9_-]{43}$/);
    const stored = deviceRecordSchema.parse(JSON.parse((await t.redis.get(t.keys.device('shop-1')))!));
    assert.match(stored.tokenHash, /^hmac-sha256\$[0-9a-f]{8}\$[A-Za-z0-9_-]{43}$/);
    assert.ok(!JSON.stringify(stored).includes(res.body.token.split('.')[1]));
    assert.deepEqual(changed, ['shop-1']);
    const dup = await request(t.app)
      .post('/api/v1/devices')
      .set('Authorization', admin())
      .send({ id: 'shop-1' })
      .expect(409);
    assert.equal(dup.body.code, 'device_exists');
    const bad = await request(t.app)
      .post('/api/v1/devices')
      .set('Authorization', admin())
      .send({ id: 'bad id!' })
      .expect(422);
    assert.equal(bad.body.errors[0].path, 'id');

    // The device token works for reports, not for admin routes.
    await request(t.app)
      .post('/api/v1/reports')
      .set('Authorization', `Bearer ${res.body.token}`)
      .send(sampleReport('shop-1'))
      .expect(200);
    const forbidden = await request(t.app)
      .get('/api/v1/devices')
      .set('Authorization', `Bearer ${res.body.token}`)
      .expect(403);
    assert.equal(forbidden.body.code, 'forbidden');
    const wrong = await request(t.app).get('/api/v1/devices').set('Authorization', 'Bearer nope').expect(401);
    assert.equal(wrong.body.code, 'invalid_token');
  });

  it('lists devices with link states, policy splits and last seen; shows and deletes one', async () => {
    const list = await request(t.app).get('/api/v1/devices').set('Authorization', admin()).expect(200);
    const d = list.body.devices.find((x: { id: string }) => x.id === 'shop-1');
    assert.equal(d.ifaces.wan.state, 'offline');
    assert.equal(d.policies[0].policy, 'balanced');
    assert.ok(d.lastSeenMs > 0);
    assert.equal(d.tokenHash, undefined);
    const one = await request(t.app).get('/api/v1/devices/shop-1').set('Authorization', admin()).expect(200);
    assert.equal(one.body.site, 'Berlin');
    assert.equal(one.body.multiWan, null);
    await request(t.app).get('/api/v1/devices/nope').set('Authorization', admin()).expect(404);

    const tmp = await request(t.app)
      .post('/api/v1/devices')
      .set('Authorization', admin())
      .send({ id: 'temp' })
      .expect(201);
    await request(t.app).delete('/api/v1/devices/temp').set('Authorization', admin()).expect(204);
    assert.equal(await t.redis.get(t.keys.device('temp')), null);
    const gone = await request(t.app)
      .post('/api/v1/reports')
      .set('Authorization', `Bearer ${tmp.body.token}`)
      .send(sampleReport('temp'))
      .expect(401);
    assert.equal(gone.body.code, 'invalid_token');
  });

  it('PUT multiwan: admin or the device itself; emails become recipients; validated', async () => {
    const other = await request(t.app)
      .post('/api/v1/devices')
      .set('Authorization', admin())
      .send({ id: 'shop-2' })
      .expect(201);
    const mw = { ...seed.multiWanV2, notificationEmails: ['noc@example.com', 'site@example.com'] };
    const ok = await request(t.app)
      .put('/api/v1/devices/shop-2/multiwan')
      .set('Authorization', `Bearer ${other.body.token}`)
      .send(mw)
      .expect(200);
    assert.deepEqual(ok.body.notificationEmails, ['noc@example.com', 'site@example.com']);
    const rec = deviceRecordSchema.parse(JSON.parse((await t.redis.get(t.keys.device('shop-2')))!));
    assert.deepEqual(rec.notificationEmails, ['noc@example.com', 'site@example.com']);
    assert.equal(rec.multiWan?.mode, 'LOAD_BALANCE');
    assert.ok(changed.includes('shop-2'));
    await request(t.app)
      .put('/api/v1/devices/shop-2/multiwan')
      .set('Authorization', admin())
      .send(seed.multiWanV2)
      .expect(200);
    const asOther = await request(t.app)
      .put('/api/v1/devices/shop-1/multiwan')
      .set('Authorization', `Bearer ${other.body.token}`)
      .send(mw)
      .expect(403);
    assert.equal(asOther.body.code, 'forbidden_device');
    const badMail = await request(t.app)
      .put('/api/v1/devices/shop-2/multiwan')
      .set('Authorization', admin())
      .send({ ...mw, notificationEmails: ['not-an-email'] })
      .expect(422);
    assert.equal(badMail.body.errors[0].path, 'notificationEmails.0');
  });

  it('plugin routers sit behind the admin token and their ProblemErrors become problem+json', async () => {
    await request(t.app).get('/api/v1/plugin/boom').expect(401);
    const res = await request(t.app).get('/api/v1/plugin/boom').set('Authorization', admin()).expect(400);
    assert.match(res.headers['content-type']!, /problem\+json/);
    assert.equal(res.body.code, 'invalid_query');
    const echo = await request(t.app)
      .post('/api/v1/plugin/echo')
      .set('Authorization', admin())
      .send({ a: 1 })
      .expect(200);
    assert.deepEqual(echo.body, { a: 1 });
    const nf = await request(t.app).get('/nowhere').expect(404);
    assert.equal(nf.body.code, 'not_found');
  });

  it('events: transitions, incidents, notifications and reachability merged in time order; bad times refused', async () => {
    const base = Date.now() - 200_000; // well before the first test's report
    await request(t.app)
      .post('/api/v1/reports')
      .set('Authorization', `Bearer ${shop1Token}`)
      .send(sampleReport('shop-1', { bootId: 'boot-events', baseMs: base }))
      .expect(200);
    await t.influx.writePoints(
      [
        {
          measurement: 'wan_incident',
          tags: { device: 'shop-1', kind: 'link_down', status: 'open' },
          fields: { incident_id: 'i1', title: 'wan DOWN' },
          timestamp: base + 1500,
        },
        {
          measurement: 'wan_notification',
          tags: { device: 'shop-1', status: 'sent' },
          fields: { incident_id: 'i1', subject: 'wan DOWN' },
          timestamp: base + 2500,
        },
        {
          measurement: 'wan_device_state',
          tags: { device: 'shop-1' },
          fields: { state: 'reachable', reachable: 1 },
          timestamp: base - 100,
        },
      ],
      { retentionPolicy: 'forever', precision: 'ms' },
    );
    const res = await request(t.app)
      .get(`/api/v1/devices/shop-1/events?from=${base - 60_000}&to=${new Date(base + 60_000).toISOString()}`)
      .set('Authorization', admin())
      .expect(200);
    const types = res.body.events.map((e: { type: string }) => e.type);
    assert.deepEqual(types, ['device_state', 'transition', 'incident', 'notification']);
    const times = res.body.events.map((e: { timeMs: number }) => e.timeMs);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    for (const bad of ['from=yesterday', 'to=12abc', 'from=2026-13-45T00:00:00Z', `from=${base}&to=${base - 1}`]) {
      const r = await request(t.app)
        .get(`/api/v1/devices/shop-1/events?${bad}`)
        .set('Authorization', admin())
        .expect(400);
      assert.equal(r.body.code, 'invalid_query', bad);
    }
  });

  it('ensureInfluxSchema is idempotent and repairs a changed RP and CQ', async () => {
    const influx = new InfluxDB({ host: '127.0.0.1', port: Number(new URL(t.influxUrl).port), database: t.db });
    await ensureInfluxSchema(influx);
    await influx.alterRetentionPolicy('raw', { database: t.db, duration: '1d', replication: 1, isDefault: false });
    await influx.dropContinuousQuery('cq_wan_iface_1m', t.db);
    await influx.createContinuousQuery(
      'cq_wan_iface_1m',
      `SELECT mean("up") AS "up" INTO "${t.db}"."rollup_1m"."x" FROM "${t.db}"."raw"."wan_iface" GROUP BY time(1m)`,
      t.db,
    );
    await ensureInfluxSchema(influx, { rawRetention: '7d' });
    const rps = await influx.showRetentionPolicies(t.db);
    const raw = rps.find((r) => r.name === 'raw')!;
    assert.equal(raw.duration, '168h0m0s');
    assert.equal(raw.default, true);
    assert.equal(rps.find((r) => r.name === 'forever')!.duration, '0s');
    const cqs = await continuousQueriesOf(influx, t.db);
    assert.equal(cqs.length, 2);
    assert.match(cqs.find((c) => c.name === 'cq_wan_iface_1m')!.query, /wan_iface_1m/);
    // A third run changes nothing: the stored (normalised) CQ text is recognised as ours.
    const before = JSON.stringify(cqs);
    await ensureInfluxSchema(influx, { rawRetention: '7d' });
    assert.equal(JSON.stringify(await continuousQueriesOf(influx, t.db)), before);
  });
});
