/**
 * One sync pass: pushes a given set of dashboards (and their folders) to Grafana and reports the
 * outcome of each. When a pass runs is decided by sync-scheduler.ts.
 */
import type { Logger } from 'pino';
import type { PlacedDashboard } from './dashboard-set.ts';
import { GrafanaError, type GrafanaClient, type GrafanaErrorKind } from './grafana-client.ts';

export interface DashboardOutcome {
  uid: string;
  title: string;
  folderUid: string;
  result: 'created' | 'updated' | 'failed';
  version?: number;
  url?: string;
  error?: string;
  errorKind?: GrafanaErrorKind;
}

export interface SyncReport {
  folders: Array<{ uid: string; result: 'existed' | 'created' | 'failed'; error?: string }>;
  dashboards: DashboardOutcome[];
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));
/**
 * Failures every further call would repeat, so the sync stops at the first: a refused token, or
 * Grafana not answering at all (no HTTP status: refused, unresolvable, timed out).
 */
const abortsSync = (e: unknown) =>
  e instanceof GrafanaError && (e.kind === 'auth' || (e.kind === 'transient' && e.status === null));
const errKind = (e: unknown): GrafanaErrorKind => (e instanceof GrafanaError ? e.kind : 'permanent');

/**
 * Pushes dashboards into Grafana: folders idempotently (GET; on 404 POST; 409 = created meanwhile),
 * then every dashboard with `overwrite: true` and its `folderUid`. A 412 (someone saved it in
 * between, or Grafana still version-checks) is retried once against the current version; a second
 * 412 is reported, not hidden. Auth failures and an unreachable Grafana abort the whole sync, since
 * every call would fail alike;
 * other failures are reported per dashboard so one bad dashboard does not block the rest.
 */
export async function syncDashboards(
  client: GrafanaClient,
  items: PlacedDashboard[],
  opts: { message: string; logger?: Logger },
): Promise<SyncReport> {
  const report: SyncReport = { folders: [], dashboards: [] };
  const badFolders = new Map<string, unknown>();
  const folders = new Map(items.map((i) => [i.folder.uid, i.folder]));
  for (const folder of folders.values()) {
    try {
      const existing = await client.getFolder(folder.uid);
      const result = existing ? 'existed' : (await client.createFolder(folder)) === 'created' ? 'created' : 'existed';
      report.folders.push({ uid: folder.uid, result });
    } catch (err) {
      if (abortsSync(err)) throw err;
      badFolders.set(folder.uid, err);
      report.folders.push({ uid: folder.uid, result: 'failed', error: errText(err) });
    }
  }
  for (const { folder, dashboard } of items) {
    const base = { uid: String(dashboard.uid), title: dashboard.title ?? '', folderUid: folder.uid };
    if (badFolders.has(folder.uid)) {
      const e = badFolders.get(folder.uid);
      report.dashboards.push({
        ...base,
        result: 'failed',
        error: `folder ${folder.uid}: ${errText(e)}`,
        errorKind: errKind(e),
      });
      continue;
    }
    try {
      const saved = await saveWithRetryOn412(
        client,
        { dashboard, folderUid: folder.uid, message: opts.message },
        opts.logger,
      );
      report.dashboards.push({
        ...base,
        result: saved.version <= 1 ? 'created' : 'updated',
        version: saved.version,
        url: saved.url,
      });
    } catch (err) {
      if (abortsSync(err)) throw err;
      report.dashboards.push({ ...base, result: 'failed', error: errText(err), errorKind: errKind(err) });
    }
  }
  return report;
}

async function saveWithRetryOn412(
  client: GrafanaClient,
  req: Omit<Parameters<GrafanaClient['saveDashboard']>[0], 'overwrite'>,
  logger?: Logger,
) {
  try {
    return await client.saveDashboard({ ...req, overwrite: true });
  } catch (err) {
    if (!(err instanceof GrafanaError) || err.kind !== 'version_mismatch') throw err;
    const current = await client.dashboardVersion(String(req.dashboard.uid));
    logger?.warn(
      { uid: req.dashboard.uid, currentVersion: current },
      'grafana: version mismatch on save; retrying against the current version',
    );
    try {
      return await client.saveDashboard({
        ...req,
        dashboard: { ...req.dashboard, version: current ?? 0 },
        overwrite: true,
      });
    } catch (again) {
      if (again instanceof GrafanaError && again.kind === 'version_mismatch') {
        throw new GrafanaError(
          'version_mismatch',
          412,
          `${again.message} (still after retrying against version ${current}); someone keeps changing dashboard ${req.dashboard.uid}`,
        );
      }
      throw again;
    }
  }
}

/** Failures worth retrying later (network, 5xx, 429). */
export function hasTransientFailure(r: SyncReport): boolean {
  return r.dashboards.some((d) => d.result === 'failed' && d.errorKind === 'transient');
}
