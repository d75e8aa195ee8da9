import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { startTestIngest, type TestIngest } from '../../test-support/ingest.ts';
import { sampleReport } from '../../test-support/records.ts';

describe('bad reports: 4xx problem+json, nothing written', () => {
  let t: TestIngest;
  let token: string;
  let otherToken: string;
  before(async () => {
    t = await startTestIngest({ label: 'bad', limits: { maxReportBytes: 64 * 1024 } });
    token = await t.addDevice('dev-a');
    otherToken = await t.addDevice('dev-b');
  });
  after(() => t.close());

  const good = () => sampleReport('dev-a');
  const json = (o: unknown) => JSON.stringify(o);
  type Case = {
    name: string;
    status: number;
    code: string;
    body: string | Buffer;
    headers?: Record<string, string>;
    auth?: string | null;
  };
  const cases: Case[] = [
    { name: 'malformed JSON', status: 400, code: 'invalid_json', body: '{"v":1,' },
    {
      name: 'bad gzip',
      status: 400,
      code: 'invalid_gzip',
      body: Buffer.from('not gzip at all'),
      headers: { 'Content-Encoding': 'gzip' },
    },
    {
      name: 'oversized body',
      status: 413,
      code: 'payload_too_large',
      body: json({ ...good(), agent: 'x'.repeat(100 * 1024) }),
    },
    {
      name: 'gzip that inflates past the limit',
      status: 413,
      code: 'payload_too_large',
      body: gzipSync(json({ ...good(), pad: ' '.repeat(1024 * 1024) })),
      headers: { 'Content-Encoding': 'gzip' },
    },
    {
      name: 'unknown content encoding',
      status: 415,
      code: 'unsupported_encoding',
      body: json(good()),
      headers: { 'Content-Encoding': 'compress' },
    },
    {
      name: 'not JSON content type',
      status: 415,
      code: 'unsupported_media_type',
      body: json(good()),
      headers: { 'Content-Type': 'text/plain' },
    },
    {
      name: 'wrong types',
      status: 422,
      code: 'validation_failed',
      body: json({ ...good(), records: [{ ...good().records[0], timeMs: 'yesterday' }] }),
    },
    { name: 'unknown top-level field', status: 422, code: 'unknown_field', body: json({ ...good(), extra: 1 }) },
    {
      name: 'unknown record field',
      status: 422,
      code: 'unknown_field',
      body: json({ ...good(), records: [{ ...good().records[1], color: 'red' }] }),
    },
    { name: 'missing token', status: 401, code: 'missing_token', body: json(good()), auth: null },
    { name: 'wrong token', status: 401, code: 'invalid_token', body: json(good()), auth: 'dev-a.' + 'A'.repeat(43) },
    { name: 'garbage token', status: 401, code: 'invalid_token', body: json(good()), auth: 'nonsense' },
    {
      name: 'device writing as another device',
      status: 403,
      code: 'forbidden_device',
      body: json(good()),
      auth: 'OTHER',
    },
    {
      name: 'timestamp far in the future',
      status: 422,
      code: 'timestamp_in_future',
      body: json(sampleReport('dev-a', { baseMs: Date.now() + 3_600_000 })),
    },
    {
      name: 'name too long',
      status: 422,
      code: 'validation_failed',
      body: json(sampleReport('dev-a', { iface: 'x'.repeat(200) })),
    },
  ];

  for (const c of cases) {
    it(`${c.name} -> ${c.status} ${c.code}`, async () => {
      const auth = c.auth === undefined ? token : c.auth === 'OTHER' ? otherToken : c.auth;
      let req = request(t.app).post('/api/v1/reports').set('Content-Type', 'application/json');
      for (const [k, v] of Object.entries(c.headers ?? {})) req = req.set(k, v);
      if (auth) req = req.set('Authorization', `Bearer ${auth}`);
      // Buffers go out as they are (superagent would JSON-serialize them under a JSON content type).
      const res = await req.serialize((x: unknown) => x as string).send(c.body);
      assert.equal(res.status, c.status, JSON.stringify(res.body));
      assert.match(res.headers['content-type'] ?? '', /^application\/problem\+json/);
      const body = JSON.parse(res.text) as { code: string; status: number; errors?: Array<{ path: string }> };
      assert.equal(body.code, c.code);
      assert.equal(body.status, c.status);
      if (c.name === 'wrong types')
        assert.ok(
          body.errors?.some((e) => e.path === 'records.0.timeMs'),
          JSON.stringify(body.errors),
        );
    });
  }

  it('wrote nothing to InfluxDB or Redis', async () => {
    const ms = await t.influx.getMeasurements();
    assert.deepEqual(ms, []);
    // BullMQ writes its queue meta key when the producer starts; no job, no live state, no seen set.
    const keys = (await t.redis.keys(`${t.prefix}:*`)).filter((k) => !k.endsWith(':{bull}:ww-device-events:meta'));
    const expected = [t.keys.devices, t.keys.device('dev-a'), t.keys.device('dev-b'), t.keys.tokenKey].sort();
    assert.deepEqual(keys.sort(), expected);
  });

  it('a valid gzip report is accepted', async () => {
    const res = await request(t.app)
      .post('/api/v1/reports')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .serialize((x: unknown) => x as string)
      .send(gzipSync(json(good())));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.ackSeq, 4);
  });
});
