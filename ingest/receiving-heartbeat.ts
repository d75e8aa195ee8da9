import type { InfluxDB } from 'influx';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { BEAT_SCRIPT, MAX_GAPS, RECEIVING_BEAT_MS, RECEIVING_GAP_MS, blindnessKeys } from '../store/blindness.ts';

export interface ReceivingHeartbeat {
  stop(): Promise<void>;
}

/**
 * Beats in Redis while this API process can accept reports: not shutting down, InfluxDB answers
 * its ping and Redis takes the beat. When no API process beats (all down, Redis down, InfluxDB
 * away so reports get 503), the watchdog knows the silence of devices is the backend's own.
 */
export function startReceivingHeartbeat(deps: {
  redis: Redis;
  influx: InfluxDB;
  redisPrefix: string;
  logger: Logger;
  canReceive: () => boolean;
  nowMs?: () => number;
  beatMs?: number;
}): ReceivingHeartbeat {
  const nowMs = deps.nowMs ?? Date.now;
  const keys = blindnessKeys(deps.redisPrefix);
  const beatMs = deps.beatMs ?? RECEIVING_BEAT_MS;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let wasBeating = true;

  async function beat(): Promise<void> {
    if (!deps.canReceive()) return;
    const influxUp = await deps.influx
      .ping(Math.max(500, beatMs))
      .then((hosts) => hosts.some((h) => h.online))
      .catch(() => false);
    if (!influxUp || stopped) {
      if (wasBeating) deps.logger.warn('InfluxDB does not answer: not receiving, heartbeat paused');
      wasBeating = false;
      return;
    }
    // A process that itself failed to beat knows it was blind, however briefly: it records the pause
    // once it is longer than two beats (another process beating meanwhile keeps the last beat fresh,
    // so nothing is recorded then). A healthy process keeps the wider threshold, which absorbs a
    // stalled timer on a busy machine.
    const gapMs = wasBeating ? RECEIVING_GAP_MS : Math.min(RECEIVING_GAP_MS, 2 * beatMs);
    try {
      const gap = await deps.redis.eval(
        BEAT_SCRIPT,
        2,
        keys.receivingBeat,
        keys.gaps,
        String(nowMs()),
        String(gapMs),
        'api',
        String(MAX_GAPS),
      );
      if (gap === 1) deps.logger.info('receiving again after a gap: devices get extra time before the watchdog');
      if (!wasBeating) deps.logger.info('receiving heartbeat resumed');
      wasBeating = true;
    } catch (err) {
      if (wasBeating) deps.logger.warn({ err: (err as Error).message }, 'receiving heartbeat not written');
      wasBeating = false;
    }
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => {
      running = beat().finally(schedule);
    }, beatMs);
    timer.unref();
  }
  running = beat().finally(schedule);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
