/**
 * wanwatch against an InfluxDB it does not administer (issue 20): influxd 1.x with authentication
 * on, an admin who made the schema from docs/deploy.md's statements WITHOUT the continuous queries,
 * and a user with only READ and WRITE on the database.
 *  - `serve` with WANWATCH_INFLUX_SCHEMA=managed exits naming the refused statement and the way out;
 *  - external mode on a database without the retention policies stops start-up naming them;
 *  - `serve` in external mode starts, ingests, alerts (real SMTP sink), answers an uptime report,
 *    and the 7-day and 30-day dashboard panels return the data without any rollup;
 *  - the password appears in no log line.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { ReportRecord, ReportV1 } from '../contract/index.ts';
import { startBackend, type BackendConfig } from '../backend/host.ts';
import { HTTP_LIMIT_DEFAULTS } from '../backend/config.ts';
import { deviceQueries } from '../dashboards/core/device-queries.ts';
import { interpolate } from '../dashboards/test/grafana-interpolate.ts';
import { schemaStatements } from '../store/index.ts';
import { startInfluxd, type InfluxdAuth, type InfluxdInstance } from '../stack/influxd.ts';
import { startSmtpSink, type SmtpSink } from '../stack/smtp-sink.ts';
import { testServices, type TestServices } from '../stack/testing.ts';
import { sample } from '../test-support/records.ts';

const DB = 'wanwatch';
const BARE_DB = 'wanwatch_bare';
const READ_ONLY_DB = 'wanwatch_ro';
const PASSWORD = 'user-secret-9d4f1';
const AUTH: InfluxdAuth = {
  admin: { username: 'admin', password: 'admin-secret-51ab' },
  user: { username: 'ww_writer', password: PASSWORD },
  database: DB,
};
const ADMIN_TOKEN = 'influx-external-admin-token-01';
const DEV = 'ce-external-1';
const DAY = 86_400_000;
const WANWATCH = join(import.meta.dirname, '..', 'bin', 'wanwatch.js');

const basic = (u: { username: string; password: string }) =>
  `Basic ${Buffer.from(`${u.username}:${u.password}`).toString('base64')}`;

describe('InfluxDB without admin rights or continuous queries (WANWATCH_INFLUX_SCHEMA)', () => {
  let dir: string;
  let influxd: InfluxdInstance;
  let svc: TestServices;
  let sink: SmtpSink;
  let serve: ChildProcess | undefined;
  let logs = '';

  const asAdmin = async (q: string) => {
    const res = await fetch(`${influxd.url}/query`, {
      method: 'POST',
      headers: { authorization: basic(AUTH.admin) },
      body: new URLSearchParams({ q }),
    });
    const text = await res.text();
    assert.ok(res.ok && !/"error"/.test(text), `${q}: ${text}`);
  };
  const asUser = async (q: string) => {
    const res = await fetch(`${influxd.url}/query`, {
      method: 'POST',
      headers: { authorization: basic(AUTH.user) },
      body: new URLSearchParams({ db: DB, q, epoch: 'ms' }),
    });
    const j = (await res.json()) as { results: Array<{ error?: string; series?: Array<{ values: unknown[][] }> }> };
    assert.equal(j.results[0]?.error, undefined, q);
    return j.results[0]?.series ?? [];
  };
  const env = (schema: string) => ({
    ...process.env,
    WANWATCH_INFLUX_URL: `${influxd.url}/${DB}`,
    WANWATCH_INFLUX_USERNAME: AUTH.user.username,
    WANWATCH_INFLUX_PASSWORD: PASSWORD,
    WANWATCH_INFLUX_SCHEMA: schema,
    WANWATCH_REDIS_URL: svc.redisUrl,
    WANWATCH_REDIS_PREFIX: svc.redisPrefix('ext'),
    WANWATCH_ADMIN_TOKEN: ADMIN_TOKEN,
    WANWATCH_PORT: '0',
    WANWATCH_DATA_DIR: join(dir, 'data'),
    WANWATCH_SMTP_URL: sink.url,
    WANWATCH_ALERT_EMAILS: 'noc@test.local',
    WANWATCH_GROUP_WAIT_MS: '300',
    WANWATCH_LOG_LEVEL: 'info',
  });
  /** `wanwatch serve` as a process; resolves with its port once listening, or its exit code and output. */
  const startServe = (schema: string) =>
    new Promise<{ port?: number; code?: number | null }>((resolve) => {
      const c = spawn(process.execPath, [WANWATCH, 'serve'], { env: env(schema), stdio: ['ignore', 'pipe', 'pipe'] });
      serve = c;
      const timer = setTimeout(() => resolve({}), 60_000);
      const onData = (b: Buffer) => {
        logs += b.toString();
        const m = /"port":(\d+)[^\n]*wanwatch API listening/.exec(logs);
        if (m) {
          clearTimeout(timer);
          resolve({ port: Number(m[1]) });
        }
      };
      c.stdout!.on('data', onData);
      c.stderr!.on('data', onData);
      c.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code });
      });
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wanwatch-influx-external-'));
    influxd = await startInfluxd(join(dir, 'influxd'), process.pid, undefined, { auth: AUTH });
    svc = await testServices();
    sink = await startSmtpSink();
    // The administrator's part, from the statements docs/deploy.md lists, without the CQs.
    for (const s of schemaStatements(DB)) if (!s.statement.startsWith('CREATE CONTINUOUS')) await asAdmin(s.statement);
    await asAdmin(`CREATE DATABASE "${BARE_DB}"`);
    await asAdmin(`GRANT ALL ON "${BARE_DB}" TO "${AUTH.user.username}"`);
    for (const s of schemaStatements(READ_ONLY_DB)) await asAdmin(s.statement);
    await asAdmin(`GRANT READ ON "${READ_ONLY_DB}" TO "${AUTH.user.username}"`);
  });
  after(async () => {
    if (serve && serve.exitCode === null) {
      serve.kill('SIGTERM');
      await new Promise((r) => serve!.once('exit', r));
    }
    await sink?.close();
    await influxd?.service.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('managed mode with a user who is not admin exits naming the refused statement and the way out', async () => {
    logs = '';
    const r = await startServe('managed');
    assert.equal(r.port, undefined, 'serve must not start');
    assert.equal(r.code, 1, logs);
    assert.match(logs, /InfluxDB refused `CREATE DATABASE "wanwatch"`/);
    assert.match(logs, /requires admin privilege/);
    assert.match(logs, /WANWATCH_INFLUX_SCHEMA=external/);
    assert.match(logs, /GRANT ALL PRIVILEGES/);
    assert.ok(!logs.includes(PASSWORD), 'the password was printed');
  });

  it('external mode names each missing retention policy, a missing write right, refused credentials', async () => {
    const config: BackendConfig = {
      influxUrl: `http://${AUTH.user.username}:${PASSWORD}@127.0.0.1:${influxd.httpPort}/${BARE_DB}`,
      influxSchema: 'external',
      redisUrl: svc.redisUrl,
      redisPrefix: svc.redisPrefix('bare'),
      mailFrom: 'wanwatch@test.local',
      alertEmails: [],
      adminToken: ADMIN_TOKEN,
      port: 0,
      dataDir: join(dir, 'bare'),
      rawRetention: '30d',
      logLevel: 'silent',
      http: HTTP_LIMIT_DEFAULTS,
    };
    await assert.rejects(
      startBackend(config, { plugins: [], logger: pino({ level: 'silent' }), host: '127.0.0.1' }),
      (e: Error) =>
        /retention policy "raw" is missing on "wanwatch_bare"/.test(e.message) &&
        /retention policy "forever" is missing/.test(e.message) &&
        /docs\/deploy\.md/.test(e.message) &&
        !e.message.includes(PASSWORD),
    );
    const readOnly = { ...config, influxUrl: config.influxUrl.replace(BARE_DB, READ_ONLY_DB) };
    await assert.rejects(
      startBackend(readOnly, { plugins: [], logger: pino({ level: 'silent' }), host: '127.0.0.1' }),
      /cannot write into "wanwatch_ro"\."raw": 403 .*not authorized to write/,
    );
    const wrong = { ...config, influxUrl: `http://${AUTH.user.username}:wrong@127.0.0.1:${influxd.httpPort}/${DB}` };
    await assert.rejects(
      startBackend(wrong, { plugins: [], logger: pino({ level: 'silent' }), host: '127.0.0.1' }),
      /refused the credentials of user "ww_writer"/,
    );
  });

  it('serve in external mode starts, ingests, alerts, reports, and the 7 d / 30 d panels read raw rounds', async () => {
    logs = '';
    const r = await startServe('external');
    assert.ok(r.port, `serve did not start: ${logs}`);
    const base = `http://127.0.0.1:${r.port}`;
    assert.match(logs, /continuous queries are not there/);
    const api = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const added = await api('POST', '/api/v1/devices', ADMIN_TOKEN, { id: DEV, name: 'External site' });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const token = String(added.body.token);
    const t0 = Date.now() - 60_000;
    const start: ReportRecord[] = ['wan', 'wanb'].flatMap((iface, i) => [
      { type: 'transition', seq: i + 1, timeMs: t0, iface, from: 'unknown', to: 'online', score: 12, reason: 'start' },
    ]);
    const samples = Array.from({ length: 10 }, (_, k) =>
      sample({ seq: 10 + k, timeMs: t0 + 1000 + k * 1000, iface: k % 2 ? 'wan' : 'wanb', rttAvgMs: 20 + k }),
    );
    const down: ReportRecord = {
      type: 'transition',
      seq: 30,
      timeMs: t0 + 20_000,
      iface: 'wan',
      from: 'online',
      to: 'offline',
      score: 0,
      reason: 'track',
    };
    const report: ReportV1 = {
      v: 1,
      deviceId: DEV,
      bootId: 'boot-external-1',
      sentAtMs: Date.now(),
      reportIntervalMs: 5000,
      records: [...start, ...samples, down],
    };
    const ack = await api('POST', '/api/v1/reports', token, report);
    assert.equal(ack.status, 200, JSON.stringify(ack.body));

    await sink.waitForMessages(1, 30_000);
    assert.match(sink.messages[0]!.raw.toString(), /wan DOWN/);

    // The uptime report is computed from the transitions in RP forever, as the user wrote them.
    const from = new Date(t0 - 60_000).toISOString();
    const up = await api(
      'GET',
      `/api/v1/devices/${DEV}/uptime?from=${from}&to=${new Date().toISOString()}`,
      ADMIN_TOKEN,
    );
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.match(JSON.stringify(up.body), /"wan"/);

    // The long-range latency and loss panels on raw rounds (the default resolution), as the user.
    const q = deviceQueries(DEV);
    const vars = { iface: { values: ['wan', 'wanb'], multi: true }, rp: { values: ['raw'], multi: false } };
    for (const days of [7, 30]) {
      for (const [name, text] of Object.entries({
        latency: q.latencyAll,
        loss: q.lossAll,
        wan: q.ifaceLatency('wan'),
      })) {
        const series = await asUser(interpolate(text, { fromMs: Date.now() - days * DAY, toMs: Date.now(), vars }));
        const values = series.flatMap((s) => s.values.map((v) => v[1])).filter((v) => typeof v === 'number');
        assert.ok(values.length > 0, `${name} over ${days} d returned no data`);
      }
    }
    assert.ok(!logs.includes(PASSWORD), 'the password was logged');
  });
});

describe('docs/deploy.md, "InfluxDB schema"', () => {
  it('lists exactly the statements managed mode runs, for the administrator of external mode', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', 'docs', 'deploy.md'), 'utf8');
    for (const s of schemaStatements(DB)) assert.ok(doc.includes(`${s.statement};`), `missing: ${s.statement}`);
  });
});
