import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import express, { type Express } from 'express';
import { createRecorder } from '../alerting/adapters/recorder.ts';
import { createAlertStore } from '../alerting/adapters/store.ts';
import { emptyIface } from '../alerting/core/state.ts';
import { sampleReport } from '../test-support/records.ts';
import { startTestBackend, type TestBackend } from '../test-support/test-backend.ts';
import { listRoutes } from './routes.ts';

/** docs/openapi.json documents exactly the routes the whole backend serves: adding a route without documenting it fails here. */
const SPEC_PATH = join(import.meta.dirname, '..', 'docs', 'openapi.json');
interface Param {
  name: string;
  in: string;
  example?: unknown;
}
interface Op {
  summary?: string;
  security?: unknown[];
  parameters?: Param[];
  responses?: Record<string, { content?: Record<string, { schema: unknown }> }>;
}
const spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as {
  openapi: string;
  paths: Record<string, Record<string, Op>>;
  components: { schemas: Record<string, unknown> };
};
const ADMIN_TOKEN = 'openapi-test-admin-token';
const toOpenApi = (p: string) => p.replace(/:([A-Za-z_]+)/g, '{$1}');

describe('OpenAPI document', () => {
  let t: TestBackend;
  before(async () => {
    t = await startTestBackend({ label: 'openapi', adminToken: ADMIN_TOKEN, role: 'api' });
  });
  after(async () => {
    await t?.close();
  });

  it('is OpenAPI 3 and every operation has a summary and responses', () => {
    assert.match(spec.openapi, /^3\./);
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        assert.ok(op.summary, `${method.toUpperCase()} ${path} has a summary`);
        assert.ok(
          op.responses && Object.keys(op.responses).length > 0,
          `${method.toUpperCase()} ${path} has responses`,
        );
      }
    }
  });

  it('the route walker sees routes of mounted routers (so an undocumented route cannot hide)', () => {
    const app = express();
    const r = express.Router();
    r.get('/undocumented/:x', (_q, res) => res.end());
    app.use('/api/v1', (_q, _s, next) => next(), r);
    assert.deepEqual(listRoutes(app), [{ method: 'GET', path: '/api/v1/undocumented/:x' }]);
  });

  it('documents every route the backend serves, and nothing else', () => {
    const all = listRoutes(t.backend.server!.listeners('request')[0] as unknown as Express).map(
      (r) => `${r.method} ${toOpenApi(r.path)}`,
    );
    // The web console's HTML pages are not API: docs/console.md lists them (`GET /device/<id>`).
    const isApi = (r: string) => /^\w+ \/(api\/v1\/|healthz$|readyz$|metrics$)/.test(r);
    const consoleDoc = readFileSync(join(import.meta.dirname, '..', 'docs', 'console.md'), 'utf8');
    assert.deepEqual(
      all.filter((r) => !isApi(r) && !consoleDoc.includes(`\`${r.replace(/\{(\w+)\}/g, '<$1>')}\``)),
      [],
      'console pages served but not in docs/console.md',
    );
    const served = all.filter(isApi);
    const documented = Object.entries(spec.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    assert.ok(served.length >= 18, `found ${served.length} routes`);
    assert.deepEqual(
      served.filter((r) => !documented.includes(r)),
      [],
      'routes served but not in docs/openapi.json',
    );
    assert.deepEqual(
      documented.filter((r) => !served.includes(r)),
      [],
      'routes in docs/openapi.json that the backend does not serve',
    );
  });
  it('passes a maintained OpenAPI validator, and every schema in it compiles under strict JSON Schema rules', async () => {
    const v = new Validator();
    const result = await v.validate(SPEC_PATH);
    assert.deepEqual(result.errors ?? [], [], 'OpenAPI validator errors');
    assert.equal(result.valid, true);
    // Strict ajv refuses what the validator lets pass, e.g. `nullable` without a `type`.
    const ajv = schemaChecker();
    for (const name of Object.keys(spec.components.schemas)) assert.ok(ajv.getSchema(`${name}.json`), name);
    for (const [path, method, status, media] of documentedResponses()) {
      assert.doesNotThrow(() => responseValidator(ajv, path, method, status, media), `${method} ${path} ${status}`);
    }
  });

  it('every documented response schema matches a real answer, and every documented query parameter is accepted', async () => {
    // An open incident (wan DOWN) as alerting stores it, so the acknowledgement gives a real 201.
    const alertStore = createAlertStore(t.backend.ctx.redis, t.backend.ctx.config.redisPrefix);
    const openIncident = async (deviceId: string) => {
      const s = await alertStore.loadState(deviceId);
      s.ifaces.set('wan', { ...emptyIface('offline'), downSinceMs: Date.now(), downIncidentId: 'down:oa-ev-1' });
      await alertStore.saveState(s);
    };
    const checked = await exerciseApi(t.base, createRecorder(t.backend.ctx.influx), openIncident);
    // Answers a single healthy test backend cannot give; each is covered by its own integration test.
    const notReproducedHere = new Map([
      ['POST /api/v1/reports 429 application/problem+json', 'device_busy: ingest/test/reports.test.ts'],
      [
        'POST /api/v1/reports 503 application/problem+json',
        'server_busy, influx_unavailable: ingest/test/*-outage.test.ts',
      ],
      ['GET /readyz 503 application/json', 'services down: ingest/test/redis-outage.test.ts'],
    ]);
    const missing = documentedResponses()
      .filter(([, , status]) => !/X/.test(status))
      .map(([path, method, status, media]) => `${method.toUpperCase()} ${path} ${status} ${media}`)
      .filter((k) => !checked.has(k) && !notReproducedHere.has(k));
    assert.deepEqual(missing, [], 'documented answers never checked against a real one');
    // Every operation that needs a token answered a real 4XX problem and was checked against its schema.
    const authed = Object.entries(spec.paths).flatMap(([p, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => !(op.security && op.security.length === 0))
        .map(([m]) => `${m.toUpperCase()} ${p} 4XX application/problem+json`),
    );
    assert.deepEqual(
      authed.filter((k) => !checked.has(k)),
      [],
      'operations whose error answer was never checked',
    );
  });
});

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** ajv with every component schema registered as `<Name>.json` (refs rewritten to match). */
function schemaChecker(): Ajv {
  const ajv = new Ajv({ strict: true, allErrors: true });
  addFormats(ajv);
  ajv.addKeyword('example');
  for (const [name, schema] of Object.entries(spec.components.schemas))
    ajv.addSchema(localRefs(schema) as object, `${name}.json`);
  return ajv;
}

function localRefs(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema).replace(/"#\/components\/schemas\/([A-Za-z0-9_]+)"/g, '"$1.json"'));
}

/** [path, method, status, media type] of every documented response that has a body. */
function documentedResponses(): Array<[string, string, string, string]> {
  return Object.entries(spec.paths).flatMap(([path, ops]) =>
    Object.entries(ops).flatMap(([method, op]) =>
      Object.entries(op.responses ?? {}).flatMap(([status, r]) =>
        Object.keys(r.content ?? {}).map((media): [string, string, string, string] => [path, method, status, media]),
      ),
    ),
  );
}

const validators = new Map<string, ValidateFunction>();
function responseValidator(ajv: Ajv, path: string, method: string, status: string, media: string): ValidateFunction {
  const key = `${method} ${path} ${status} ${media}`;
  let v = validators.get(key);
  if (!v) {
    v = ajv.compile(localRefs(spec.paths[path]![method]!.responses![status]!.content![media]!.schema) as object);
    validators.set(key, v);
  }
  return v;
}

/**
 * Calls every operation of the running backend (documented query examples included) and checks each
 * answer against the schema documented for its status and media type. Returns what was checked, as
 * `METHOD path status media` with the status as documented (`200` or `4XX`).
 */
async function exerciseApi(
  base: string,
  recorder: ReturnType<typeof createRecorder>,
  openIncident: (deviceId: string) => Promise<void>,
): Promise<Set<string>> {
  const ajv = schemaChecker();
  const checked = new Set<string>();
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const call = async (
    method: string,
    template: string,
    o: {
      params?: Record<string, string>;
      query?: Record<string, string>;
      headers?: Record<string, string>;
      body?: unknown;
      raw?: string;
    } = {},
  ) => {
    const url = new URL(
      base + template.replace(/\{(\w+)\}/g, (_m, k: string) => encodeURIComponent(o.params?.[k] ?? '')),
    );
    for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v);
    const hasBody = o.body !== undefined || o.raw !== undefined;
    const res = await fetch(url, {
      method,
      headers: { ...(hasBody && o.raw === undefined ? { 'content-type': 'application/json' } : {}), ...o.headers },
      body: o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body)),
    });
    const text = await res.text();
    const op = spec.paths[template]?.[method.toLowerCase()];
    assert.ok(op, `${method} ${template} is documented`);
    const status = String(res.status);
    const statusKey = op.responses?.[status] ? status : `${status[0]}XX`;
    const documented = op.responses?.[statusKey];
    assert.ok(documented, `${method} ${template} answered ${status}, which is not documented: ${text.slice(0, 300)}`);
    const media = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    if (!documented.content) {
      assert.equal(text, '', `${method} ${template} ${status} documents no body`);
    } else {
      assert.ok(
        documented.content[media],
        `${method} ${template} ${status} answered ${media || 'no content type'}, not documented`,
      );
      const body = /json$/.test(media) ? (JSON.parse(text) as unknown) : text;
      const validate = responseValidator(ajv, template, method.toLowerCase(), statusKey, media);
      assert.ok(
        validate(body),
        `${method} ${template} ${status} ${media} does not match docs/openapi.json: ${JSON.stringify(validate.errors)}\n${text.slice(0, 500)}`,
      );
      checked.add(`${method} ${template} ${statusKey} ${media}`);
    }
    return { status: res.status, text };
  };
  /** The documented example of every query parameter of an operation. */
  const examples = (method: string, template: string) =>
    Object.fromEntries(
      (spec.paths[template]![method.toLowerCase()]!.parameters ?? [])
        .filter((p) => p.in === 'query')
        .map((p) => {
          assert.notEqual(p.example, undefined, `${method} ${template}: query parameter ${p.name} has an example`);
          return [p.name, String(p.example)];
        }),
    );
  const id = 'oa-shop-1';
  const params = { id };
  const expect = async (status: number, p: Promise<{ status: number; text: string }>) => {
    const r = await p;
    assert.equal(r.status, status, r.text.slice(0, 300));
    return r;
  };

  await expect(200, call('GET', '/healthz'));
  await expect(200, call('GET', '/readyz'));
  await expect(200, call('GET', '/metrics'));
  const created = await expect(
    201,
    call('POST', '/api/v1/devices', {
      headers: admin,
      body: { id, name: 'Shop 1', site: 'Porto', notificationEmails: ['noc@example.test'] },
    }),
  );
  const deviceAuth = { authorization: `Bearer ${(JSON.parse(created.text) as { token: string }).token}` };
  // Before its first report, then after it: the device view has null live fields, then real ones.
  await expect(200, call('GET', '/api/v1/devices', { headers: admin }));
  await expect(
    200,
    call('POST', '/api/v1/reports', { headers: deviceAuth, body: sampleReport(id, { baseMs: Date.now() - 60_000 }) }),
  );
  await expect(422, call('POST', '/api/v1/reports', { headers: deviceAuth, body: { v: 1 } }));
  await expect(
    400,
    call('POST', '/api/v1/reports', { headers: { ...deviceAuth, 'content-type': 'application/json' }, raw: '{' }),
  );
  await expect(
    415,
    call('POST', '/api/v1/reports', { headers: { ...deviceAuth, 'content-type': 'text/plain' }, raw: 'hello' }),
  );
  await expect(200, call('GET', '/api/v1/devices', { headers: admin }));
  await expect(
    200,
    call('PUT', '/api/v1/devices/{id}/multiwan', {
      params,
      headers: deviceAuth,
      body: {
        enable: true,
        mode: 'FAIL_OVER',
        notificationEmails: ['noc@example.test'],
        wanInterfaces: null,
        wanInterfacesConfig: {
          wan: {
            interfaceName: 'wan',
            targetIps: ['192.0.2.1'],
            failureInterval: 5,
            recoveryInterval: 5,
            pingInterval: 5,
            pingTimeout: 2,
            multiWANMetric: 1,
            multiWANWeight: 1,
            enable: true,
          },
        },
      },
    }),
  );
  await expect(200, call('PUT', '/api/v1/devices/{id}/budgets', { params, headers: admin, body: { iface: 20 } }));
  await expect(200, call('GET', '/api/v1/devices/{id}', { params, headers: admin }));
  await expect(
    200,
    call('GET', '/api/v1/devices/{id}/events', {
      params,
      headers: admin,
      query: examples('GET', '/api/v1/devices/{id}/events'),
    }),
  );
  await expect(200, call('GET', '/api/v1/devices/{id}/events', { params, headers: admin }));
  for (const [template, p] of [
    ['/api/v1/devices/{id}/uptime', params],
    ['/api/v1/uptime', {}],
  ] as const) {
    await expect(200, call('GET', template, { params: p, headers: admin, query: examples('GET', template) }));
    for (const format of ['json', 'html'])
      await expect(200, call('GET', template, { params: p, headers: admin, query: { format } }));
  }
  const target = { params: { scope: 'devices', id }, headers: admin };
  await expect(
    200,
    call('PUT', '/api/v1/report-targets/{scope}/{id}', { ...target, body: { slaTargetPct: 99.9, timeZone: 'UTC' } }),
  );
  await expect(200, call('GET', '/api/v1/report-targets', { headers: admin }));
  await expect(200, call('GET', '/api/v1/devices/{id}/uptime', { params, headers: admin }));
  await expect(204, call('DELETE', '/api/v1/report-targets/{scope}/{id}', target));
  await expect(
    201,
    call('POST', '/api/v1/share-links', { headers: admin, body: { deviceId: id, format: 'csv', expiresIn: '1h' } }),
  );
  await expect(200, call('GET', '/api/v1/devices/{id}/dashboard', { params, headers: admin }));
  await expect(200, call('GET', '/api/v1/dashboards/fleet', { headers: admin }));
  const silence = await expect(
    201,
    call('POST', '/api/v1/silences', {
      headers: admin,
      body: { deviceId: id, endMs: Date.now() + 3_600_000, comment: 'openapi' },
    }),
  );
  const weekly = await expect(
    201,
    call('POST', '/api/v1/silences', {
      headers: admin,
      body: { site: 'berlin', weekly: { days: ['sun'], start: '02:00', durationMin: 90, timeZone: 'Europe/Berlin' } },
    }),
  );
  await expect(422, call('POST', '/api/v1/silences', { headers: admin, body: { weekly: { days: [] } } }));
  await expect(200, call('GET', '/api/v1/silences', { headers: admin, query: examples('GET', '/api/v1/silences') }));
  await expect(200, call('GET', '/api/v1/silences', { headers: admin }));
  await expect(
    204,
    call('DELETE', '/api/v1/silences/{id}', {
      params: { id: (JSON.parse(silence.text) as { id: string }).id },
      headers: admin,
    }),
  );
  await expect(
    204,
    call('DELETE', '/api/v1/silences/{id}', {
      params: { id: (JSON.parse(weekly.text) as { id: string }).id },
      headers: admin,
    }),
  );
  await expect(
    200,
    call('GET', '/api/v1/notifications', { headers: admin, query: examples('GET', '/api/v1/notifications') }),
  );
  // A notification and a reachability change, stored by alerting's own recorder, so the list and
  // the events answer carry real rows to check against their schemas.
  const atMs = Date.now() - 30_000;
  await recorder.notification({
    deviceId: id,
    notificationId: 'n-openapi',
    incidentId: 'i-openapi',
    status: 'sent',
    recipients: ['noc@example.test'],
    subject: '[wanwatch] Shop 1: wan DOWN',
    attempt: 1,
    error: null,
    messageId: '<n-openapi@wanwatch>',
    atMs,
  });
  await recorder.deviceState(id, 'unreachable', atMs - 60_000, atMs);
  const listed = await expect(200, call('GET', '/api/v1/notifications', { headers: admin, query: { deviceId: id } }));
  assert.equal((JSON.parse(listed.text) as { notifications: unknown[] }).notifications.length, 1);
  const events = await expect(200, call('GET', '/api/v1/devices/{id}/events', { params, headers: admin }));
  assert.deepEqual(
    [...new Set((JSON.parse(events.text) as { events: Array<{ type: string }> }).events.map((e) => e.type))].sort(),
    ['device_state', 'notification', 'transition'],
  );
  await expect(
    200,
    call('GET', '/api/v1/alerting/quarantine', {
      headers: admin,
      query: examples('GET', '/api/v1/alerting/quarantine'),
    }),
  );
  await expect(200, call('GET', '/api/v1/receivers', { headers: admin }));
  await expect(
    200,
    call('PUT', '/api/v1/receivers', {
      headers: admin,
      body: { receivers: [{ type: 'webhook', name: 'itsm', url: 'http://127.0.0.1:9/hook', secret: 'x'.repeat(20) }] },
    }),
  );
  await expect(
    201,
    call('POST', '/api/v1/receivers', {
      headers: admin,
      body: { type: 'slack', name: 'chat', url: 'http://127.0.0.1:9/slack' },
    }),
  );
  await expect(204, call('DELETE', '/api/v1/receivers/{name}', { params: { name: 'chat' }, headers: admin }));
  await expect(200, call('GET', '/api/v1/routes', { headers: admin }));
  await expect(
    200,
    call('PUT', '/api/v1/routes', {
      headers: admin,
      body: {
        routes: [
          {
            name: 'night',
            kinds: ['unreachable'],
            time: { timeZone: 'Europe/Berlin', from: '20:00', to: '07:00', days: ['mon'] },
            receivers: ['itsm'],
          },
        ],
        default: [],
      },
    }),
  );
  await openIncident(id);
  await expect(
    201,
    call('POST', '/api/v1/incidents/{incidentId}/ack', {
      params: { incidentId: 'oa-ev-1' },
      headers: admin,
      body: { deviceId: id, by: 'noc-anna', comment: 'ISP ticket 123' },
    }),
  );
  const override = { deviceId: id, iface: 'wan', thresholds: { lossEnterPct: 20, lossLeavePct: 8 } };
  await expect(200, call('PUT', '/api/v1/alerting/quality-overrides', { headers: admin, body: override }));
  await expect(200, call('GET', '/api/v1/alerting/quality-overrides', { headers: admin }));
  await expect(
    204,
    call('DELETE', '/api/v1/alerting/quality-overrides', { headers: admin, query: { deviceId: id, iface: 'wan' } }),
  );
  await expect(204, call('DELETE', '/api/v1/routes/{name}', { params: { name: 'night' }, headers: admin }));
  await expect(204, call('DELETE', '/api/v1/receivers/{name}', { params: { name: 'itsm' }, headers: admin }));
  const token = await expect(
    201,
    call('POST', '/api/v1/tokens', { headers: admin, body: { name: 'openapi', role: 'viewer' } }),
  );
  await expect(200, call('GET', '/api/v1/tokens', { headers: admin }));
  await expect(200, call('GET', '/api/v1/whoami', { headers: admin }));
  await expect(
    204,
    call('DELETE', '/api/v1/tokens/{id}', {
      params: { id: (JSON.parse(token.text) as { id: string }).id },
      headers: admin,
    }),
  );
  await expect(200, call('GET', '/api/v1/audit', { headers: admin, query: examples('GET', '/api/v1/audit') }));
  // Every operation that needs a token: its problem answer without one.
  for (const [template, ops] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (op.security && op.security.length === 0) continue;
      await expect(401, call(method.toUpperCase(), template, { params: { id: 'nobody' } }));
    }
  }
  await expect(204, call('DELETE', '/api/v1/devices/{id}', { params, headers: admin }));
  return checked;
}
