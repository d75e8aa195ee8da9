/**
 * `wan_device_info` written by the backend on registry changes, against a real InfluxDB through
 * node-influx: current name/site, removal, and bounded retries when InfluxDB is unreachable.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { InfluxDB } from 'influx';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { parseInfluxUrl, type DeviceRecord } from '../../store/index.ts';
import { testServices } from '../../stack/testing.ts';
import { createDeviceInfoWriter } from '../device-info.ts';
import { createSchema, influxQuery } from './seed.ts';

const rec = (id: string, name: string, site: string | null): DeviceRecord => ({
  v: 1,
  id,
  name,
  site,
  tokenHash: 'scrypt$x',
  createdAtMs: 0,
  notificationEmails: [],
  multiWan: null,
});

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('wan_device_info writer', () => {
  let base = '';
  let db = '';
  let url = '';
  before(async () => {
    const svc = await testServices();
    base = svc.influxBaseUrl;
    ({ db, url } = svc.influxDb('devinfo'));
    await createSchema(base, db);
  });
  after(async () => {
    if (db) await influxQuery(base, db, `DROP DATABASE "${db}"`);
  });

  it('writes the current name and site, and removed = 1 once the device is gone', async () => {
    const records = new Map([['ce-1', rec('ce-1', 'Lyon shop', 'Lyon')]]);
    const w = createDeviceInfoWriter({
      influx: new InfluxDB(parseInfluxUrl(url)),
      inventory: { loadDevice: async (id) => records.get(id) ?? null },
      logger: pino({ level: 'silent' }),
    });
    const latest = async () => {
      const r = await influxQuery(
        base,
        db,
        `SELECT last("name"), last("site"), last("removed") FROM "forever"."wan_device_info" WHERE "device" = 'ce-1'`,
      );
      return r.series?.[0]?.values[0]?.slice(1);
    };
    w.schedule('ce-1');
    await w.flush();
    assert.deepEqual(await latest(), ['Lyon shop', 'Lyon', 0]);
    records.delete('ce-1');
    await new Promise((r) => setTimeout(r, 5)); // a later timestamp (ms precision)
    w.schedule('ce-1');
    await w.flush();
    // The registry entry is gone: the id stands in for the name.
    assert.deepEqual(await latest(), ['ce-1', '', 1]);
    await w.close();
  });

  it('retries a failed write a bounded number of times, then logs an error', async () => {
    const lines: Array<{ level: number; msg: string }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        cb();
      },
    });
    const port = await closedPort();
    const w = createDeviceInfoWriter({
      influx: new InfluxDB({ host: '127.0.0.1', port, database: 'x' }),
      inventory: { loadDevice: async () => rec('ce-2', 'Two', null) },
      logger: pino({ level: 'warn' }, sink),
      retryBaseMs: 10,
      maxAttempts: 3,
    });
    w.schedule('ce-2');
    const deadline = Date.now() + 10_000;
    while (!lines.some((l) => l.level === 50) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(lines.filter((l) => l.level === 40).length, 2, 'two retries');
    assert.equal(lines.filter((l) => l.level === 50).length, 1, 'then one error, no more attempts');
    await w.close();
  });
});
