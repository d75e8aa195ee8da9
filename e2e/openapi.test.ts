import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import express, { type Express } from 'express';
import { startBackend, createLogger, type RunningBackend } from '../backend/host.ts';
import { backendPlugins } from '../backend/plugins/index.ts';
import { testServices } from '../stack/testing.ts';
import { listRoutes } from './routes.ts';

/** docs/openapi.json documents exactly the routes the whole backend serves: adding a route without documenting it fails here. */
const spec = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'docs', 'openapi.json'), 'utf8')) as {
  openapi: string;
  paths: Record<string, Record<string, { summary?: string; responses?: Record<string, unknown> }>>;
};
const toOpenApi = (p: string) => p.replace(/:([A-Za-z_]+)/g, '{$1}');

describe('OpenAPI document', () => {
  let backend: RunningBackend;
  before(async () => {
    const svc = await testServices();
    backend = await startBackend(
      {
        influxUrl: svc.influxDb('openapi').url,
        redisUrl: svc.redisUrl,
        redisPrefix: svc.redisPrefix('openapi'),
        mailFrom: 'wanwatch <w@example.test>',
        alertEmails: [],
        adminToken: 'openapi-test-admin-token',
        port: 0,
        dataDir: '/tmp/ww-openapi',
        rawRetention: '30d',
        logLevel: 'error',
      },
      {
        role: 'api',
        host: '127.0.0.1',
        logger: createLogger('error'),
        plugins: backendPlugins(),
      },
    );
  });
  after(async () => {
    await backend?.close();
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
    const served = listRoutes(backend.server!.listeners('request')[0] as unknown as Express).map(
      (r) => `${r.method} ${toOpenApi(r.path)}`,
    );
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
});
