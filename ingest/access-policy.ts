/**
 * Who may call which API route: ONE table of every `/api/v1` route and the least role it needs.
 * The auth middleware (auth.ts) and the audit log (audit.ts) both read it, and
 * e2e/access-roles.test.ts walks the routes the backend serves and fails for any route missing here.
 */

/** API token roles, weakest first: each may do everything the ones before it may. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What a route needs: a role, or `device` (a device token writing as itself, or an admin). */
export type Need = Role | 'device';

/**
 * `METHOD /api/v1/template` → the least role. Reads are `viewer` (devices, events, uptime,
 * dashboards, notifications, silences, receivers), except the token list and the audit log;
 * `operator` changes silences, acknowledges incidents, edits receivers and routes and makes share
 * links of reports; everything else that writes is `admin`. A route not in this table needs `admin`.
 */
export const ROUTE_ROLES: ReadonlyMap<string, Need> = new Map<string, Need>([
  ['POST /api/v1/reports', 'device'],
  ['PUT /api/v1/devices/:id/multiwan', 'device'],
  ['GET /api/v1/whoami', 'viewer'],
  ['GET /api/v1/devices', 'viewer'],
  ['GET /api/v1/devices/:id', 'viewer'],
  ['GET /api/v1/devices/:id/events', 'viewer'],
  ['GET /api/v1/devices/:id/uptime', 'viewer'],
  ['GET /api/v1/uptime', 'viewer'],
  ['GET /api/v1/devices/:id/dashboard', 'viewer'],
  ['GET /api/v1/dashboards/fleet', 'viewer'],
  ['GET /api/v1/report-targets', 'viewer'],
  ['GET /api/v1/notifications', 'viewer'],
  ['GET /api/v1/silences', 'viewer'],
  ['GET /api/v1/alerting/quarantine', 'viewer'],
  ['GET /api/v1/alerting/quality-overrides', 'viewer'],
  ['GET /api/v1/receivers', 'viewer'],
  ['GET /api/v1/routes', 'viewer'],
  ['POST /api/v1/silences', 'operator'],
  ['DELETE /api/v1/silences/:id', 'operator'],
  ['POST /api/v1/incidents/:incidentId/ack', 'operator'],
  ['PUT /api/v1/receivers', 'operator'],
  ['POST /api/v1/receivers', 'operator'],
  ['DELETE /api/v1/receivers/:name', 'operator'],
  ['PUT /api/v1/routes', 'operator'],
  ['DELETE /api/v1/routes/:name', 'operator'],
  ['POST /api/v1/share-links', 'operator'],
  ['POST /api/v1/devices', 'admin'],
  ['DELETE /api/v1/devices/:id', 'admin'],
  ['PUT /api/v1/devices/:id/budgets', 'admin'],
  ['PUT /api/v1/report-targets/:scope/:id', 'admin'],
  ['DELETE /api/v1/report-targets/:scope/:id', 'admin'],
  ['PUT /api/v1/alerting/quality-overrides', 'admin'],
  ['DELETE /api/v1/alerting/quality-overrides', 'admin'],
  ['GET /api/v1/tokens', 'admin'],
  ['POST /api/v1/tokens', 'admin'],
  ['DELETE /api/v1/tokens/:id', 'admin'],
  ['GET /api/v1/audit', 'admin'],
]);

interface Compiled {
  method: string;
  template: string;
  segments: string[];
  need: Need;
}
const COMPILED: Compiled[] = [...ROUTE_ROLES].map(([key, need]) => {
  const [method, template] = key.split(' ') as [string, string];
  return { method, template, segments: template.split('/'), need };
});

/** A request's route in the table: its template, URL parameters in order, and what it needs. */
export interface MatchedRoute {
  template: string;
  params: string[];
  need: Need;
}

/**
 * The table entry for a request (HEAD reads as GET); literal segments win over parameters, so a
 * path matches one entry. Undefined for a path the table does not know (the caller needs admin).
 */
export function matchRoute(method: string, path: string): MatchedRoute | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  const parts = path.replace(/\/+$/, '').split('/');
  let best: MatchedRoute | undefined;
  for (const c of COMPILED) {
    if (c.method !== m || c.segments.length !== parts.length) continue;
    const params: string[] = [];
    const fits = c.segments.every((s, i) => {
      if (s.startsWith(':')) return parts[i] !== '' && params.push(safeDecode(parts[i]!)) > 0;
      return s === parts[i];
    });
    if (fits && (!best || params.length < best.params.length)) best = { template: c.template, params, need: c.need };
  }
  return best;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Who is asking, as far as access goes: a role, or a device. */
export type Caller = { role: Role } | { device: true };

/**
 * May `caller` call a route needing `need`? Pure.
 *
 * | caller   | need viewer | need operator | need admin | need device |
 * |----------|-------------|---------------|------------|-------------|
 * | viewer   | yes         | no            | no         | no          |
 * | operator | yes         | yes           | no         | no          |
 * | admin    | yes         | yes           | yes        | yes         |
 * | device   | no          | no            | no         | yes         |
 */
export function mayCall(caller: Caller, need: Need): boolean {
  if ('device' in caller) return need === 'device';
  if (need === 'device') return caller.role === 'admin';
  return ROLES.indexOf(caller.role) >= ROLES.indexOf(need);
}
