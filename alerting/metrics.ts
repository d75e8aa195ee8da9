import { Counter, Gauge, Registry } from 'prom-client';

/**
 * Alerting's Prometheus metrics (own registry; the backend serves it at GET /metrics).
 * `wanwatch_alerting_quarantined` is read from Redis at scrape time, so every process reports
 * the fleet-wide figure and a restart does not reset it.
 */
export function createAlertingMetrics(deps: { quarantined: () => Promise<Record<string, number>> }) {
  const registry = new Registry();
  return {
    registry,
    outageRetries: new Counter({
      name: 'wanwatch_alerting_outage_retries_total',
      help: 'Alerting steps put back to wait for InfluxDB / Redis / the device lock, by step',
      labelNames: ['step'] as const,
      registers: [registry],
    }),
    stuckGroupsFlushed: new Counter({
      name: 'wanwatch_alerting_stuck_groups_flushed_total',
      help: 'Alert groups past due whose flush job was missing or failed, flushed by the watchdog sweep',
      registers: [registry],
    }),
    strandedInboxesDrained: new Counter({
      name: 'wanwatch_alerting_stranded_inboxes_drained_total',
      help: 'Device inboxes holding events records whose job ended without applying them (it stalled too often), drained by the watchdog sweep',
      registers: [registry],
    }),
    quarantined: new Gauge({
      name: 'wanwatch_alerting_quarantined',
      help: 'Work alerting set aside so it cannot block a device: failed jobs per queue, quarantined events records and groups',
      labelNames: ['source'] as const,
      registers: [registry],
      async collect() {
        // A scrape during a Redis outage keeps the last figures instead of hanging.
        const counts = await Promise.race([
          deps.quarantined().catch(() => null),
          new Promise<null>((r) => setTimeout(() => r(null), 1000).unref()),
        ]);
        if (!counts) return;
        for (const [source, n] of Object.entries(counts)) this.set({ source }, n);
      },
    }),
  };
}
export type AlertingMetrics = ReturnType<typeof createAlertingMetrics>;
