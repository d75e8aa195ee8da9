import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveAlertingOptions } from '../../alerting/options.ts';
import { ConfigError, SETTINGS, backendConfig, loadBackendConfig, readSettings } from '../config.ts';
import { DEPLOY_DOC, documentedTable, normalise, settingsMarkdown } from '../../scripts/settings-doc.ts';

const SERVE = {
  WANWATCH_INFLUX_URL: 'http://127.0.0.1:8086/wanwatch',
  WANWATCH_REDIS_URL: 'redis://127.0.0.1:6379',
  WANWATCH_ADMIN_TOKEN: 'a-secret-of-16-characters',
};

describe('the settings table', () => {
  it('WANWATCH_ROUTES_FILE is read and validated at start; errors name the variable, file and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ww-routes-'));
    try {
      const good = join(dir, 'good.json');
      writeFileSync(good, JSON.stringify({ receivers: [{ type: 'slack', name: 'noc', url: 'http://127.0.0.1:9/x' }] }));
      const setup = loadBackendConfig({ ...SERVE, WANWATCH_ROUTES_FILE: good }).receiverSetup!;
      assert.deepEqual(setup.defaultReceivers, ['noc']);
      assert.equal(loadBackendConfig(SERVE).receiverSetup, undefined);
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ receivers: [{ type: 'slack', name: 'noc', url: 'nope' }] }));
      assert.throws(() => loadBackendConfig({ ...SERVE, WANWATCH_ROUTES_FILE: bad }), {
        message: /^WANWATCH_ROUTES_FILE .*bad\.json: receivers\[0\]\.url: must be an http\(s\) URL/,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serve and up use the same defaults: no NOC emails, log level info', () => {
    const serve = readSettings('serve', SERVE);
    const up = readSettings('up', {}, {}, { require: [] });
    for (const [key, s] of Object.entries(SETTINGS) as Array<[string, { usedBy: readonly string[] }]>) {
      if (!s.usedBy.includes('serve') || !s.usedBy.includes('up') || key in SERVE) continue;
      assert.deepEqual(up[key as keyof typeof up], serve[key as keyof typeof serve], key);
    }
    assert.deepEqual(serve.WANWATCH_ALERT_EMAILS, []);
    assert.equal(serve.WANWATCH_LOG_LEVEL, 'info');
    const upConfig = backendConfig(up, {
      influxUrl: 'http://h:1/db',
      redisUrl: 'redis://h:1',
      adminToken: 'x'.repeat(20),
    });
    assert.deepEqual(upConfig.alertEmails, []);
    assert.equal(upConfig.logLevel, 'info');
  });

  it("the alerting tunables' defaults are alerting's own", () => {
    const a = loadBackendConfig(SERVE).alerting!;
    const own = resolveAlertingOptions({});
    for (const k of ['groupWaitMs', 'watchdogMinMs', 'flapMaxChanges', 'flapWindowMs', 'reminderIntervalMs'] as const)
      assert.equal(a[k], own[k], k);
  });

  it('scheduled reports are off by default (every default scheduler removed); weekly turns on the weekly ones', () => {
    const off = loadBackendConfig(SERVE).reportSchedule!;
    assert.ok(Object.values(off).every((e) => e === false));
    const weekly = loadBackendConfig({ ...SERVE, WANWATCH_REPORT_SCHEDULE: 'weekly' }).reportSchedule!;
    assert.ok(weekly['device-weekly'] && weekly['fleet-weekly']);
    assert.equal(weekly['device-monthly'], false);
  });

  it("WANWATCH_REPORT_SCHEDULE's error states the real default", () => {
    assert.throws(
      () => loadBackendConfig({ ...SERVE, WANWATCH_REPORT_SCHEDULE: 'daily' }),
      (e: unknown) =>
        e instanceof ConfigError &&
        /^WANWATCH_REPORT_SCHEDULE must be off \(the default\), weekly, monthly, weekly,monthly or a JSON report schedule \(.*unknown word "daily"/.test(
          e.message,
        ),
    );
  });

  it('names every bad or missing variable, and checks only what the command reads', () => {
    assert.throws(
      () => loadBackendConfig({ WANWATCH_GROUP_WAIT_MS: 'soon' }),
      (e: unknown) =>
        e instanceof ConfigError &&
        /WANWATCH_INFLUX_URL is required/.test(e.message) &&
        /WANWATCH_REDIS_URL is required/.test(e.message) &&
        /WANWATCH_ADMIN_TOKEN is required/.test(e.message) &&
        /WANWATCH_GROUP_WAIT_MS must be a number/.test(e.message),
    );
    assert.throws(
      () => readSettings('up', { WANWATCH_PORT: '70000' }, {}, { require: [] }),
      /WANWATCH_PORT must be from 0 to 65535/,
    );
    const device = readSettings('device', { WANWATCH_REDIS_URL: 'redis://h:1', WANWATCH_GROUP_WAIT_MS: 'soon' });
    assert.equal(device.WANWATCH_REDIS_PREFIX, 'ww');
    assert.throws(
      () => readSettings('uptime', { WANWATCH_REDIS_URL: 'redis://h:1' }),
      /WANWATCH_INFLUX_URL is required/,
    );
  });

  it("docs/deploy.md's settings table is the generated one", () => {
    assert.equal(
      documentedTable(readFileSync(DEPLOY_DOC, 'utf8')),
      normalise(settingsMarkdown()),
      'run: node --import tsx scripts/settings-doc.ts --write && npx prettier --write docs/deploy.md',
    );
  });
});
