import { DEFAULT_REDIS_PREFIX } from './redis-keys.ts';

/**
 * The backend's own blindness, shared by ingest (writes the receiving heartbeat) and alerting
 * (reads it, and records gaps in its own sweep). Time when no API process could accept reports, or
 * no watchdog sweep ran, is not device silence: after such a gap devices get extra time before the
 * watchdog may call them unreachable (docs/alerts.md, "Lifecycle events").
 */

/** How often each API process beats while it can accept reports. */
export const RECEIVING_BEAT_MS = 1_000;
/** More than this between two beats (of any API process) is a gap. */
export const RECEIVING_GAP_MS = 5_000;
/** Gaps kept (newest first); older ones have long stopped mattering. */
export const MAX_GAPS = 8;

/** The beats and the gaps share the `{blind}` slot: BEAT_SCRIPT reads one and writes the other. */
export function blindnessKeys(prefix: string = DEFAULT_REDIS_PREFIX) {
  return {
    /** STRING: ms of the last receiving beat of any API process. */
    receivingBeat: `${prefix}:{blind}:receiving-beat`,
    /** STRING: ms of the last watchdog sweep run. */
    sweepBeat: `${prefix}:{blind}:sweep-beat`,
    /** LIST of JSON BlindGap, newest first. */
    gaps: `${prefix}:{blind}:gaps`,
  };
}

/** A stretch when the backend could not hear devices (`api`) or did not watch them (`sweep`). */
export interface BlindGap {
  source: 'api' | 'sweep';
  startMs: number;
  endMs: number;
}

/**
 * One beat, atomically: when the previous beat is older than the gap threshold, the pause between
 * them is pushed as a gap. A first beat ever (no previous one) records nothing: there is no history
 * to be blind about (and when Redis lost its data, it lost the devices' last-seen times too).
 * KEYS: beat, gaps. ARGV: nowMs, gapMs, source, maxGaps. Returns 1 when a gap was recorded.
 */
export const BEAT_SCRIPT = `
local prev = redis.call('get', KEYS[1])
local now = tonumber(ARGV[1])
local gap = 0
if prev and now - tonumber(prev) > tonumber(ARGV[2]) then
  redis.call('lpush', KEYS[2], '{"source":"' .. ARGV[3] .. '","startMs":' .. prev .. ',"endMs":' .. ARGV[1] .. '}')
  redis.call('ltrim', KEYS[2], 0, tonumber(ARGV[4]) - 1)
  gap = 1
end
if not prev or now > tonumber(prev) then redis.call('set', KEYS[1], ARGV[1]) end
return gap
`;

/** Parses a stored gap; anything malformed reads as null (and is ignored). */
export function parseGap(raw: string): BlindGap | null {
  try {
    const g = JSON.parse(raw) as Partial<BlindGap>;
    if ((g.source === 'api' || g.source === 'sweep') && Number.isFinite(g.startMs) && Number.isFinite(g.endMs))
      return { source: g.source, startMs: g.startMs!, endMs: g.endMs! };
  } catch {
    /* ignored below */
  }
  return null;
}
