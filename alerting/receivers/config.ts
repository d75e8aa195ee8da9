import { z } from 'zod';

/** Where Telegram and PagerDuty are reached unless a receiver says otherwise (tests point these at loopback). */
export const TELEGRAM_API_URL = 'https://api.telegram.org';
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

const httpUrl = z.string().refine(
  (v) => {
    try {
      const p = new URL(v).protocol;
      return p === 'https:' || p === 'http:';
    } catch {
      return false;
    }
  },
  { message: 'must be an http(s) URL' },
);

const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be 1-63 of a-z, 0-9, "_" and "-", starting with a letter or digit');

/**
 * One receiver: a chat or paging destination beside email. URLs, secrets, bot tokens and routing
 * keys are secrets (a Slack or Teams URL is itself the credential): never logged, redacted in answers.
 */
export const receiverSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('webhook'),
    name,
    url: httpUrl,
    /** HMAC-SHA256 key of the `X-Wanwatch-Signature` header. */
    secret: z.string().min(16, 'must be at least 16 characters'),
  }),
  z.strictObject({ type: z.literal('slack'), name, url: httpUrl }),
  z.strictObject({ type: z.literal('teams'), name, url: httpUrl }),
  z.strictObject({
    type: z.literal('telegram'),
    name,
    botToken: z.string().regex(/^[0-9]+:[A-Za-z0-9_-]+$/, 'must be a bot token like 123456:ABC-def'),
    chatId: z.union([z.string().min(1), z.number().int()]),
    apiUrl: httpUrl.default(TELEGRAM_API_URL),
  }),
  z.strictObject({
    type: z.literal('pagerduty'),
    name,
    routingKey: z.string().min(1),
    url: httpUrl.default(PAGERDUTY_EVENTS_URL),
  }),
]);
export type Receiver = z.infer<typeof receiverSchema>;
export type ReceiverType = Receiver['type'];

export const receiversSchema = z.array(receiverSchema).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((r, i) => {
    if (seen.has(r.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate receiver name` });
    seen.add(r.name);
  });
});

/** Thrown for a bad receiver list; `field` names the bad field (`receivers[1].url`). */
export class ReceiverConfigError extends Error {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`);
  }
}

/** Validates a receiver list; the error names the first bad field, e.g. `receivers[2].secret`. */
export function parseReceivers(input: unknown, at = 'receivers'): Receiver[] {
  const r = receiversSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : `${acc}.${String(p)}`),
    at,
  );
  throw new ReceiverConfigError(field, issue.message);
}

const REDACTED = '[redacted]';

/** A receiver as it may be shown (API answers, logs): every secret replaced. */
export function redactReceiver(r: Receiver): Record<string, unknown> {
  switch (r.type) {
    case 'webhook':
      return { type: r.type, name: r.name, url: REDACTED, secret: REDACTED };
    case 'slack':
    case 'teams':
      return { type: r.type, name: r.name, url: REDACTED };
    case 'telegram':
      return { type: r.type, name: r.name, botToken: REDACTED, chatId: r.chatId, apiUrl: r.apiUrl };
    case 'pagerduty':
      return { type: r.type, name: r.name, routingKey: REDACTED, url: r.url };
  }
}
