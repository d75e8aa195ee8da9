import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadBackendConfig } from '../backend/config.ts';
import { createLogger } from '../backend/logger.ts';
import { influxUrlWithCredentials, parseInfluxUrl, redactUrl, schemaStatements } from './influx-setup.ts';

const SERVE = {
  WANWATCH_INFLUX_URL: 'http://olduser:oldpass@127.0.0.1:8086/wanwatch',
  WANWATCH_REDIS_URL: 'redis://127.0.0.1:6379',
  WANWATCH_ADMIN_TOKEN: 'a-secret-of-16-characters',
};

describe('InfluxDB credentials and schema mode settings', () => {
  it('WANWATCH_INFLUX_USERNAME / _PASSWORD win over the URL, reach the client options, and are redacted', () => {
    const c = loadBackendConfig({ ...SERVE, WANWATCH_INFLUX_USERNAME: 'ww', WANWATCH_INFLUX_PASSWORD: 'p@ss:w/rd%1' });
    const o = parseInfluxUrl(c.influxUrl);
    assert.deepEqual([o.username, o.password, o.database], ['ww', 'p@ss:w/rd%1', 'wanwatch']);
    assert.ok(!redactUrl(c.influxUrl).includes('p@ss') && !redactUrl(c.influxUrl).includes('rd%1'));
    assert.equal(c.influxSchema, 'managed');
    // Unset: the URL's own user part is kept.
    assert.equal(parseInfluxUrl(loadBackendConfig(SERVE).influxUrl).password, 'oldpass');
    assert.equal(influxUrlWithCredentials('http://h:1/db'), 'http://h:1/db');
  });

  it('the password never reaches a log line, even when a config object is logged', () => {
    const lines: string[] = [];
    const orig = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => (lines.push(String(s)), true)) as typeof process.stdout.write;
    try {
      const c = loadBackendConfig({ ...SERVE, WANWATCH_INFLUX_PASSWORD: 'never-logged-42' });
      createLogger('info').info({ influx: redactUrl(c.influxUrl), password: 'never-logged-42' }, 'start');
    } finally {
      process.stdout.write = orig;
    }
    assert.ok(lines.length > 0 && !lines.join('').includes('never-logged-42'), lines.join(''));
  });

  it('WANWATCH_INFLUX_SCHEMA accepts managed or external only', () => {
    assert.equal(loadBackendConfig({ ...SERVE, WANWATCH_INFLUX_SCHEMA: 'external' }).influxSchema, 'external');
    assert.throws(
      () => loadBackendConfig({ ...SERVE, WANWATCH_INFLUX_SCHEMA: 'auto' }),
      /WANWATCH_INFLUX_SCHEMA must be managed or external/,
    );
  });

  it('the schema statements: database, the four RPs (raw default), the two CQs', () => {
    const s = schemaStatements('db1', '7d').map((x) => x.statement);
    assert.equal(s[0], 'CREATE DATABASE "db1"');
    assert.equal(s[1], 'CREATE RETENTION POLICY "raw" ON "db1" DURATION 7d REPLICATION 1 DEFAULT');
    assert.equal(s.filter((x) => x.startsWith('CREATE CONTINUOUS QUERY')).length, 2);
    assert.ok(s.includes('CREATE RETENTION POLICY "audit" ON "db1" DURATION 400d REPLICATION 1'));
    assert.match(
      s.find((x) => x.includes('"cq_wan_iface_1m"')) ?? '',
      /^CREATE CONTINUOUS QUERY "cq_wan_iface_1m" ON "db1" BEGIN SELECT .* INTO "db1"\."rollup_1m"\."wan_iface_1m" .* END$/,
    );
  });
});
