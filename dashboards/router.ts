import { Router } from 'express';
import type { InfluxDB } from 'influx';
import type { Logger } from 'pino';
import { ProblemError } from '../contract/index.ts';
import type { RedisKeys } from '../store/index.ts';
import { DEFAULT_DASHBOARD_OPTIONS, deviceDashboard, type DashboardOptions } from './dashboard-set.ts';
import { buildFleetDashboard } from './core/fleet-dashboard.ts';
import { createInventory, type DashboardInventory, type RegistryRedis } from './inventory.ts';

export interface DashboardsHttpApiDeps {
  redis: RegistryRedis;
  keys: RedisKeys;
  influx: InfluxDB;
  logger: Logger;
  /** For tests; made from redis/keys/influx otherwise. */
  inventory?: DashboardInventory;
  options?: DashboardOptions;
}

/**
 * `GET /devices/:id/dashboard` and `GET /dashboards/fleet` (mounted under /api/v1 behind admin
 * auth by ingest): the bare dashboard JSON, as Grafana's "Import dashboard" and the provisioning
 * files take it. Errors are thrown as ProblemError and rendered by ingest's error handler.
 */
export function createDashboardsHttpApi(deps: DashboardsHttpApiDeps): Router {
  const inv = deps.inventory ?? createInventory(deps);
  const options = deps.options ?? DEFAULT_DASHBOARD_OPTIONS;
  const r = Router();
  r.get('/devices/:id/dashboard', async (req, res) => {
    const id = String(req.params.id);
    const record = await inv.loadDevice(id);
    if (!record) throw new ProblemError('not_found', `no device with id ${JSON.stringify(id)}`);
    const placed = await deviceDashboard(inv, record, options);
    res.json(placed.dashboard);
  });
  r.get('/dashboards/fleet', (_req, res) => {
    res.json(buildFleetDashboard(options.grafanaVersion));
  });
  return r;
}
