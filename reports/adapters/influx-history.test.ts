/**
 * The history adapter against a real InfluxDB: a reporter run that began without a `stop` gets the
 * time of the old run's last stored sample (where the reporter stopped recording); a clean stop and
 * a first run get none.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InfluxDB } from 'influx';
import { encodeTagValue } from '../../contract/index.ts';
import { M, RP, parseInfluxUrl } from '../../store/index.ts';
import { ensureInfluxSchema } from '../../store/influx-ensure.ts';
import { testServices } from '../../stack/testing.ts';
import { createInfluxHistory } from './influx-history.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 20, 8, 0, 0);
const at = (min: number) => T0 + Math.round(min * MIN);

describe('influx history: run ends after crashes', () => {
  let influx: InfluxDB;
  let base: string;
  let db: string;
  before(async () => {
    const svc = await testServices();
    const d = svc.influxDb('history');
    const o = parseInfluxUrl(d.url);
    influx = new InfluxDB({ host: o.host, port: o.port, protocol: o.protocol, database: o.database });
    await ensureInfluxSchema(influx, { rawRetention: '3650d' });
    base = svc.influxBaseUrl;
    db = d.db;
  });
  after(() => undefined);

  async function write(rp: string, lines: string[]) {
    const r = await fetch(`${base}/write?db=${db}&rp=${rp}&precision=ms`, { method: 'POST', body: lines.join('\n') });
    assert.equal(r.status, 204, await r.text());
  }
  const transition = (dev: string, min: number, iface: string, to: string, reason: string, boot: string, seq: number) =>
    `${M.transition},device=${encodeTagValue(dev)},iface=${iface} from_state="online",to_state="${to}",to_code=1i,up=1i,score=0i,reason="${reason}",seq=${seq}i,boot_id="${boot}" ${at(min)}`;
  const sample = (dev: string, min: number, seq: number) =>
    `${M.iface},device=${encodeTagValue(dev)},iface=wan state="online",state_code=1i,up=1i,score=12i,round_ok=1i,degraded=0i,seq=${seq}i ${at(min)}`;

  it('crash: last sample before the new run; clean stop and first run: none', async () => {
    await write(RP.forever, [
      transition('crashy', 0, 'wan', 'online', 'start', 'runA', 1),
      transition('crashy', 30, 'wan', 'online', 'start', 'runB', 50),
      transition('tidy', 0, 'wan', 'online', 'start', 'runA', 1),
      transition('tidy', 20, 'wan', 'unknown', 'stop', 'runA', 30),
      transition('tidy', 30, 'wan', 'online', 'start', 'runB', 31),
    ]);
    await write(RP.raw, [sample('crashy', 10, 10), sample('crashy', 25, 40), sample('tidy', 19, 29)]);
    const h = await createInfluxHistory(influx).load(at(-10), at(60));
    assert.deepEqual(h.get('crashy')!.runEnds, [{ bootId: 'runB', lastRecordBeforeMs: at(25) }]);
    assert.equal(h.get('tidy')!.runEnds, undefined);
  });
});
