import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Where the fleet's tag-value counts come from at scrape time (the name admission, in Redis). */
export interface TagValueSource {
  counts(): Promise<Record<string, number>>;
  limit: number;
}

/** Prometheus metrics of one app (own registry, so several apps in one test process do not collide). */
export function createIngestMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'wanwatch_' });
  let tagSource: TagValueSource | undefined;
  return {
    /** Set once the name admission exists; until then the tag-value gauges stay empty. */
    setTagValueSource(source: TagValueSource) {
      tagSource = source;
    },
    tagValues: new Gauge({
      name: 'wanwatch_tag_values',
      help: 'Distinct tag values in use across the fleet, per tag key (InfluxDB refuses writes past max-values-per-tag)',
      labelNames: ['tag'] as const,
      registers: [registry],
      async collect() {
        if (!tagSource) return;
        try {
          for (const [tag, n] of Object.entries(await tagSource.counts())) this.set({ tag }, n);
        } catch {
          // Redis unreachable: the gauge keeps its last values; /readyz reports Redis itself.
        }
      },
    }),
    tagValuesLimit: new Gauge({
      name: 'wanwatch_tag_values_limit',
      help: 'Fleet-wide guard on distinct tag values per tag key: reports with new names are refused at this count',
      registers: [registry],
      collect() {
        if (tagSource) this.set(tagSource.limit);
      },
    }),
    registry,
    requests: new Counter({
      name: 'wanwatch_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    rejects: new Counter({
      name: 'wanwatch_rejects_total',
      help: 'Requests answered with a problem, by problem code',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    pointsWritten: new Counter({
      name: 'wanwatch_points_written_total',
      help: 'Points written to InfluxDB (a retried batch counts again)',
      registers: [registry],
    }),
    writeLatency: new Histogram({
      name: 'wanwatch_influx_write_seconds',
      help: 'Duration of one group-commit write to InfluxDB',
      labelNames: ['ok'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    batchLines: new Histogram({
      name: 'wanwatch_influx_batch_points',
      help: 'Points per group-commit write',
      buckets: [1, 10, 50, 100, 500, 1000, 2500, 5000, 10000],
      registers: [registry],
    }),
    transitionsQueued: new Counter({
      name: 'wanwatch_transitions_queued_total',
      help: 'New transitions handed to alerting',
      registers: [registry],
    }),
  };
}
export type IngestMetrics = ReturnType<typeof createIngestMetrics>;
