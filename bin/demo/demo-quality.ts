import type { AlertingOptions } from '../../alerting/index.ts';

/**
 * The cloud-side quality window and minimum duration for a demo whose stories last `cycleMs`:
 * the production defaults (5 min window, 60 s) would outlast the degraded story's 30 s, so the demo
 * scales them to its cycle (window 1/8 of it but at least 5 rounds, minimum duration 1/5 of the
 * window), with the production thresholds. Variables the operator set win.
 *
 * | WANWATCH_QUALITY_WINDOW_MS / _MIN_DURATION_MS set | result |
 * |---|---|
 * | neither | both scaled |
 * | one | the other scaled |
 * | both | nothing changed |
 */
export function demoQualityOptions(
  cycleMs: number,
  intervalS: number,
  env: Readonly<Record<string, string | undefined>>,
): Partial<AlertingOptions> {
  const windowMs = Math.max(Math.round(cycleMs / 8), 5 * intervalS * 1000);
  const out: Partial<AlertingOptions> = {};
  if (env.WANWATCH_QUALITY_WINDOW_MS === undefined) out.qualityWindowMs = windowMs;
  if (env.WANWATCH_QUALITY_MIN_DURATION_MS === undefined) out.qualityMinDurationMs = Math.round(windowMs / 5);
  return out;
}
