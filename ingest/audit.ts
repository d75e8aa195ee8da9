import type { Request, Response } from 'express';
import type { Role, MatchedRoute } from './access-policy.ts';
import type { Principal } from './principal.ts';

/**
 * The audit log: one row per API write made with an admin, operator or viewer token (refused
 * attempts included), kept in InfluxDB (`wanwatch_audit`, its own retention policy). Who is the
 * token's id, name and role (never the secret), what is the method, route template and target,
 * when is the request's arrival, the outcome its HTTP status.
 */
export interface AuditRow {
  atMs: number;
  tokenId: string;
  tokenName: string;
  role: Role;
  method: string;
  /** The route template (`/api/v1/silences/:id`), or the path when no route matched. */
  route: string;
  /** What was changed: the URL parameters joined by `/`, or the id the request created; '' if none. */
  target: string;
  status: number;
}

/** Where audit rows go; `record` never throws (a row it cannot keep is logged with its content). */
export interface AuditLog {
  record(row: AuditRow): void;
}

/** The env admin and viewer tokens have no id: these stand for them in the log. */
export const ENV_ADMIN_ID = 'env-admin';
export const ENV_VIEWER_ID = 'env-viewer';

const MAX_TARGET = 200;

/**
 * The audit row of a request, or undefined when it is not audited. Pure.
 *
 * | method        | principal                   | row                  |
 * |---------------|-----------------------------|----------------------|
 * | GET, HEAD     | any                         | none (reads)         |
 * | other         | device                      | none (device writes) |
 * | other         | admin / viewer / API token  | one                  |
 */
export function auditRowOf(o: {
  method: string;
  principal: Principal;
  route: MatchedRoute | undefined;
  path: string;
  status: number;
  atMs: number;
  createdId?: unknown;
}): AuditRow | undefined {
  const { principal: p } = o;
  if (o.method === 'GET' || o.method === 'HEAD' || p.kind === 'device') return undefined;
  const who =
    p.kind === 'token'
      ? { tokenId: p.token.id, tokenName: p.token.name, role: p.token.role }
      : p.kind === 'admin'
        ? { tokenId: ENV_ADMIN_ID, tokenName: 'WANWATCH_ADMIN_TOKEN', role: 'admin' as const }
        : { tokenId: ENV_VIEWER_ID, tokenName: 'WANWATCH_VIEWER_TOKENS', role: 'viewer' as const };
  const target = o.route?.params.length ? o.route.params.join('/') : typeof o.createdId === 'string' ? o.createdId : '';
  return {
    atMs: o.atMs,
    ...who,
    method: o.method,
    route: o.route?.template ?? o.path.slice(0, MAX_TARGET),
    target: target.slice(0, MAX_TARGET),
    status: o.status,
  };
}

/**
 * Records the request once its answer is sent (the status is its outcome). The id of what a POST
 * created is the `id` of its JSON answer (a silence, a device, a token), else `res.locals.auditTarget`
 * when the handler sets it, else the request body's `id`.
 */
export function auditOnFinish(
  log: AuditLog,
  o: {
    req: Request;
    res: Response;
    principal: Principal;
    route: MatchedRoute | undefined;
    path: string;
    nowMs: number;
  },
): void {
  const { req, res } = o;
  if (res.locals.audited || req.method === 'GET' || req.method === 'HEAD') return;
  res.locals.audited = true;
  let answeredId: string | undefined;
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    const id = (body as { id?: unknown } | null)?.id;
    if (typeof id === 'string') answeredId = id;
    return json(body);
  };
  res.on('finish', () => {
    const body = req.body as { id?: unknown } | undefined;
    const row = auditRowOf({
      method: req.method,
      principal: o.principal,
      route: o.route,
      path: o.path,
      status: res.statusCode,
      atMs: o.nowMs,
      createdId: answeredId ?? res.locals.auditTarget ?? (body && typeof body === 'object' ? body.id : undefined),
    });
    if (row) log.record(row);
  });
}
