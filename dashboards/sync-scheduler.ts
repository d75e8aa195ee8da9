/**
 * When to sync: debounces device changes, builds the dashboards of the moment and runs a pass of
 * sync-pass.ts, retrying transient failures with backoff.
 */
import type { InfluxDB } from 'influx';
import type { Logger } from 'pino';
import { Counter, Registry } from 'prom-client';
import type { RedisKeys } from '../store/index.ts';
import {
  DEFAULT_DASHBOARD_OPTIONS,
  deviceDashboard,
  perDeviceEnabled,
  sharedDashboards,
  type DashboardOptions,
  type PlacedDashboard,
} from './dashboard-set.ts';
import { createGrafanaClient, GrafanaError, type GrafanaClient } from './grafana-client.ts';
import { createInventory, type DashboardInventory, type RegistryRedis } from './inventory.ts';
import { hasTransientFailure, syncDashboards } from './sync-pass.ts';

export interface DashboardSyncerDeps {
  grafanaUrl: string;
  grafanaToken: string;
  logger: Logger;
  /** Where devices come from; or give redis + keys + influx and one is made. */
  inventory?: DashboardInventory;
  redis?: RegistryRedis;
  keys?: RedisKeys;
  influx?: InfluxDB;
  /** Quiet time after the last change before syncing (several changes in a burst = one sync). */
  debounceMs?: number;
  /** First retry delay after a transient failure; doubles per attempt, capped at 5 minutes. */
  retryBaseMs?: number;
  maxAttempts?: number;
  /** Registry for `wanwatch_grafana_sync_failures_total` (merge it into the app's /metrics). */
  registry?: Registry;
  /** Grafana version and per-device mode of the generated dashboards. */
  options?: DashboardOptions;
  /** For tests: a client other than the HTTP one. */
  client?: GrafanaClient;
}

export interface DashboardSyncer {
  /** Use as ingest's `onDeviceChanged`: syncs this device's dashboard and the fleet, debounced. */
  schedule(deviceId: string): void;
  /** Runs what is pending now and waits for it (tests, shutdown). */
  flush(): Promise<void>;
  close(): Promise<void>;
  readonly registry: Registry;
}

export function createDashboardSyncer(deps: DashboardSyncerDeps): DashboardSyncer {
  const inventory = deps.inventory ?? inventoryFrom(deps);
  const client = deps.client ?? createGrafanaClient({ url: deps.grafanaUrl, token: deps.grafanaToken });
  const debounceMs = deps.debounceMs ?? 2_000;
  const retryBaseMs = deps.retryBaseMs ?? 5_000;
  const maxAttempts = deps.maxAttempts ?? 8;
  const registry = deps.registry ?? new Registry();
  const failures =
    (registry.getSingleMetric('wanwatch_grafana_sync_failures_total') as Counter<'kind'> | undefined) ??
    new Counter({
      name: 'wanwatch_grafana_sync_failures_total',
      help: 'Failed Grafana dashboard sync attempts, by error kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    });
  const log = deps.logger.child({ component: 'dashboard-sync' });

  const pending = new Set<string>();
  let attempt = 0;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let closed = false;

  function arm(delayMs: number): void {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void runOnce();
    }, delayMs);
    timer.unref();
  }

  const options = deps.options ?? DEFAULT_DASHBOARD_OPTIONS;

  /** The shared dashboards (cheap, idempotent) and, when per-device ones are on, the changed devices'. */
  async function build(ids: string[]): Promise<PlacedDashboard[]> {
    const out: PlacedDashboard[] = sharedDashboards(options);
    if (!perDeviceEnabled(await inventory.countDevices(), options)) return out;
    for (const id of ids) {
      const record = await inventory.loadDevice(id);
      if (record) out.push(await deviceDashboard(inventory, record, options));
    }
    return out;
  }

  async function runOnce(): Promise<void> {
    if (running) return running;
    if (pending.size === 0) return;
    const ids = [...pending].sort();
    pending.clear();
    running = (async () => {
      let retry = false;
      try {
        const report = await syncDashboards(client, await build(ids), {
          message: `wanwatch sync: ${ids.join(', ')}`,
          logger: log,
        });
        for (const d of report.dashboards.filter((x) => x.result === 'failed')) {
          failures.inc({ kind: d.errorKind ?? 'permanent' });
          log.error({ uid: d.uid, kind: d.errorKind, err: d.error }, 'grafana: dashboard sync failed');
        }
        retry = hasTransientFailure(report);
        if (!retry)
          log.info(
            { devices: ids, dashboards: report.dashboards.map((d) => `${d.uid}:${d.result}`) },
            'grafana: dashboards synced',
          );
      } catch (err) {
        const kind = err instanceof GrafanaError ? err.kind : 'transient';
        failures.inc({ kind });
        log.error(
          { devices: ids, kind, err: err instanceof Error ? err.message : String(err) },
          'grafana: dashboard sync failed',
        );
        // InfluxDB/Redis hiccups while building count as transient too; auth/permanent do not retry.
        retry = kind === 'transient';
      }
      if (retry && attempt + 1 < maxAttempts) {
        attempt++;
        for (const id of ids) pending.add(id);
        const delay = Math.min(retryBaseMs * 2 ** (attempt - 1), 300_000);
        log.warn({ devices: ids, attempt, delayMs: delay }, 'grafana: will retry dashboard sync');
        arm(delay);
      } else {
        if (retry)
          log.error(
            { devices: ids, attempts: attempt + 1 },
            'grafana: giving up on dashboard sync until the next change',
          );
        attempt = 0;
        if (pending.size > 0) arm(debounceMs);
      }
    })().finally(() => {
      running = null;
    });
    return running;
  }

  return {
    registry,
    schedule(deviceId) {
      pending.add(deviceId);
      attempt = 0;
      arm(debounceMs);
    },
    async flush() {
      if (timer) clearTimeout(timer);
      timer = null;
      if (running) await running;
      await runOnce();
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      if (running) await running;
    },
  };
}

function inventoryFrom(deps: DashboardSyncerDeps): DashboardInventory {
  if (!deps.redis || !deps.keys || !deps.influx)
    throw new Error('createDashboardSyncer: give `inventory` or all of `redis`, `keys`, `influx`');
  return createInventory({ redis: deps.redis, keys: deps.keys, influx: deps.influx });
}
