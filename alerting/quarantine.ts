import type { Queue } from 'bullmq';
import type { SafetyStore } from './adapters/safety-store.ts';
import type { QuarantineItem } from './router.ts';

/** Jobs alerting gave up on (BullMQ's failed sets) plus the records and groups it quarantined, newest first. */
export async function listQuarantine(queues: Record<string, Queue>, safety: SafetyStore, limit: number) {
  const items: QuarantineItem[] = [];
  for (const [name, q] of Object.entries(queues)) {
    for (const job of await q.getFailed(0, limit - 1)) {
      if (!job) continue;
      items.push({
        kind: 'job',
        queue: name,
        jobId: job.id ?? null,
        deviceId: typeof job.data?.deviceId === 'string' ? job.data.deviceId : null,
        error: job.failedReason ?? '',
        attempts: job.attemptsMade,
        atMs: job.finishedOn ?? job.timestamp,
      });
    }
  }
  for (const e of await safety.quarantined(limit)) {
    items.push({
      kind: e.kind,
      queue: null,
      jobId: null,
      deviceId: e.deviceId,
      error: e.error,
      attempts: e.attempts,
      atMs: e.atMs,
      subject: e.subject,
    });
  }
  return items.sort((a, b) => b.atMs - a.atMs).slice(0, limit);
}

/** Figures of the wanwatch_alerting_quarantined gauge, by source. */
export async function quarantineCounts(queues: Record<string, Queue>, safety: SafetyStore) {
  const out: Record<string, number> = Object.create(null);
  for (const [name, q] of Object.entries(queues)) out[name] = (await q.getJobCounts('failed')).failed ?? 0;
  const kept = await safety.quarantineCounts();
  out.device_events = kept.device_events ?? 0;
  out.group = kept.group ?? 0;
  return out;
}
