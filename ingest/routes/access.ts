import express, { Router } from 'express';
import type { InfluxDB } from 'influx';
import { ProblemError } from '../../contract/index.ts';
import { timeRange } from '../../store/query-time.ts';
import { newTokenSchema, type ApiTokenStore } from '../api-tokens.ts';
import { readAudit } from '../audit-queue.ts';
import { authMiddleware, type AuthDeps } from '../auth.ts';
import { parseBody } from '../validate.ts';

const DAY_MS = 86_400_000;
const AUDIT_LIMIT_MAX = 10_000;

export interface AccessApiDeps {
  auth: AuthDeps;
  tokens: ApiTokenStore;
  influx: InfluxDB;
  nowMs: () => number;
}

/**
 * `POST|GET /tokens`, `DELETE /tokens/:id` and `GET /audit` (admin; access-policy.ts). A new
 * token is in the creation answer only; lists show id, name, role and times, never the secret.
 */
export function accessHttpApi(deps: AccessApiDeps): Router {
  const router = Router();
  const auth = authMiddleware(deps.auth);
  router.post('/tokens', auth, express.json({ limit: '16kb' }), async (req, res) => {
    const input = parseBody(newTokenSchema, req.body);
    const created = await deps.tokens.create(input, deps.nowMs());
    res.locals.auditTarget = created.id;
    res.status(201).json(created);
  });
  router.get('/tokens', auth, async (_req, res) => {
    res.json({ tokens: await deps.tokens.list() });
  });
  router.delete('/tokens/:id', auth, async (req, res) => {
    const id = req.params.id as string;
    if (!(await deps.tokens.revoke(id))) throw new ProblemError('not_found', `no token "${id}"`);
    res.status(204).end();
  });
  router.get('/audit', auth, async (req, res) => {
    const { fromMs, toMs } = timeRange(req.query, { nowMs: deps.nowMs(), defaultSpanMs: DAY_MS });
    const limit = limitOf(req.query.limit);
    let entries;
    try {
      entries = await readAudit(deps.influx, { fromMs, toMs, limit });
    } catch (err) {
      throw new ProblemError('influx_unavailable', `reading the audit log failed: ${(err as Error).message}`);
    }
    res.json({ fromMs, toMs, entries });
  });
  return router;
}

function limitOf(v: unknown): number {
  if (v === undefined || v === '') return 1000;
  const n = typeof v === 'string' && /^\d{1,6}$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= AUDIT_LIMIT_MAX))
    throw new ProblemError('invalid_query', `limit must be an integer from 1 to ${AUDIT_LIMIT_MAX}`, [
      { path: 'limit', message: 'not an integer in range' },
    ]);
  return n;
}
