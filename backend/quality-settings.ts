import { z } from 'zod';

/**
 * The WANWATCH_QUALITY_* rows of the settings table (settings.ts spreads them in): alerting's
 * cloud-side link quality evaluation (docs/alerts.md "Link quality"). Read by `serve` and `up`.
 */
const int = (min: number, max: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int('must be an integer')
    .min(min, `must be from ${min} to ${max}`)
    .max(max, `must be from ${min} to ${max}`);

const row = (schema: z.ZodType<number>, value: string, doc: string) => ({
  schema,
  default: value,
  usedBy: ['serve', 'up'] as Array<'serve' | 'up'>,
  doc: `alerting: ${doc}`,
});
const MS = Number.MAX_SAFE_INTEGER;

export const QUALITY_SETTINGS = {
  WANWATCH_QUALITY_WINDOW_MS: row(
    int(0, 86_400_000),
    '300000',
    'sliding window of the link quality evaluation (0 = off)',
  ),
  WANWATCH_QUALITY_MIN_DURATION_MS: row(int(0, MS), '60000', 'how long a quality verdict must hold before it changes'),
  WANWATCH_QUALITY_LOSS_ENTER_PCT: row(int(0, 100), '10', 'window loss that makes a link degraded'),
  WANWATCH_QUALITY_LOSS_LEAVE_PCT: row(int(0, 100), '5', 'window loss below which a degraded link recovers'),
  WANWATCH_QUALITY_RTT_P95_ENTER_MS: row(int(0, MS), '300', 'window RTT p95 that makes a link degraded'),
  WANWATCH_QUALITY_RTT_P95_LEAVE_MS: row(int(0, MS), '200', 'window RTT p95 below which a degraded link recovers'),
  WANWATCH_QUALITY_JITTER_ENTER_MS: row(int(0, MS), '60', 'window jitter that makes a link degraded'),
  WANWATCH_QUALITY_JITTER_LEAVE_MS: row(int(0, MS), '40', 'window jitter below which a degraded link recovers'),
};
