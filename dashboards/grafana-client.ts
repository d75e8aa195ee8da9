import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';

/**
 * The Grafana HTTP API calls the sync needs (legacy `/api`, Grafana 9–13; docs/service-notes.md, "Grafana HTTP API"),
 * with every failure classified once, here:
 * - `auth`: 401/403 — the token is wrong or lacks the Editor role; retrying cannot help.
 * - `version_mismatch`: 412 — someone saved the dashboard in between; the caller decides.
 * - `transient`: network errors, timeouts, 429 and 5xx — retry with backoff.
 * - `permanent`: any other 4xx — our request is wrong; retrying cannot help.
 */
export type GrafanaErrorKind = 'auth' | 'version_mismatch' | 'transient' | 'permanent';

export class GrafanaError extends Error {
  readonly kind: GrafanaErrorKind;
  readonly status: number | null;
  constructor(kind: GrafanaErrorKind, status: number | null, message: string) {
    super(message);
    this.name = 'GrafanaError';
    this.kind = kind;
    this.status = status;
  }
}

export interface SaveDashboardResult {
  uid: string;
  url: string;
  version: number;
  status: string;
}

export interface GrafanaClient {
  /** The folder, or null when Grafana answers 404. */
  getFolder(uid: string): Promise<{ uid: string; title: string } | null>;
  /** Creates the folder; `exists` when Grafana answers 409 (someone created it meanwhile). */
  createFolder(folder: { uid: string; title: string }): Promise<'created' | 'exists'>;
  saveDashboard(req: {
    dashboard: Dashboard;
    folderUid: string;
    overwrite: boolean;
    message: string;
  }): Promise<SaveDashboardResult>;
  /** Current version of a dashboard, or null when it does not exist. */
  dashboardVersion(uid: string): Promise<number | null>;
}

export function createGrafanaClient(opts: {
  url: string;
  token: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}): GrafanaClient {
  const base = opts.url.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 10_000;

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    let res: Response;
    try {
      res = await doFetch(base + path, {
        method,
        headers: {
          // The token is only ever sent here, never logged or put into an error message.
          Authorization: `Bearer ${opts.token}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new GrafanaError(
        'transient',
        null,
        `Grafana ${method} ${path}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = { message: text.slice(0, 200) };
    }
    return { status: res.status, json };
  }

  function fail(method: string, path: string, status: number, json: unknown): never {
    const msg = (json as { message?: string } | null)?.message ?? '';
    const what = `Grafana ${method} ${path} answered ${status}${msg ? `: ${msg}` : ''}`;
    if (status === 401)
      throw new GrafanaError(
        'auth',
        status,
        `${what} — WANWATCH_GRAFANA_TOKEN is missing, expired or wrong (use a service-account token)`,
      );
    if (status === 403)
      throw new GrafanaError(
        'auth',
        status,
        `${what} — the service account behind WANWATCH_GRAFANA_TOKEN needs the Editor role`,
      );
    if (status === 412) throw new GrafanaError('version_mismatch', status, what);
    if (status === 429 || status >= 500) throw new GrafanaError('transient', status, what);
    throw new GrafanaError('permanent', status, what);
  }

  return {
    async getFolder(uid) {
      const path = `/api/folders/${encodeURIComponent(uid)}`;
      const r = await call('GET', path);
      if (r.status === 404) return null;
      if (r.status !== 200) fail('GET', path, r.status, r.json);
      return r.json as { uid: string; title: string };
    },
    async createFolder(folder) {
      const r = await call('POST', '/api/folders', { uid: folder.uid, title: folder.title });
      if (r.status === 409) return 'exists';
      if (r.status !== 200) fail('POST', '/api/folders', r.status, r.json);
      return 'created';
    },
    async saveDashboard(req) {
      // `id: null` + the stable uid: Grafana matches on uid; `folderUid` is always sent because
      // leaving it out on an update moves the dashboard to the General folder.
      const body = {
        dashboard: { ...req.dashboard, id: null },
        folderUid: req.folderUid,
        overwrite: req.overwrite,
        message: req.message,
      };
      const r = await call('POST', '/api/dashboards/db', body);
      if (r.status !== 200) fail('POST', '/api/dashboards/db', r.status, r.json);
      return r.json as SaveDashboardResult;
    },
    async dashboardVersion(uid) {
      const path = `/api/dashboards/uid/${encodeURIComponent(uid)}`;
      const r = await call('GET', path);
      if (r.status === 404) return null;
      if (r.status !== 200) fail('GET', path, r.status, r.json);
      return (r.json as { dashboard?: { version?: number } }).dashboard?.version ?? null;
    },
  };
}
