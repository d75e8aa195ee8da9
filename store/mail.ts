/** One email. `messageId` (angle brackets optional) is stable per incident notification. */
export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId?: string;
}

/** Sends one email; throws a `MailError` classified as transient (retry) or permanent. */
export interface Mailer {
  send(msg: MailMessage): Promise<void>;
}

/**
 * A failed send, classified once here where SMTP is called:
 * 5xx replies are permanent (never retried); 4xx, connection errors and timeouts are transient.
 */
export class MailError extends Error {
  readonly transient: boolean;
  readonly responseCode: number | null;
  readonly code: string | null;
  constructor(message: string, transient: boolean, responseCode: number | null, code: string | null) {
    super(message);
    this.name = 'MailError';
    this.transient = transient;
    this.responseCode = responseCode;
    this.code = code;
  }
}

/**
 * | responseCode | code | transient |
 * |---|---|---|
 * | 500–599 | any | no |
 * | 400–499 | any | yes |
 * | none | ECONNECTION/ETIMEDOUT/ESOCKET/ECONNREFUSED/… or unknown | yes |
 * | none | EENVELOPE / EMESSAGE / ECONFIG (bad message or config) | no |
 */
export function classifyMailError(err: unknown): MailError {
  if (err instanceof MailError) return err;
  const e = err as { message?: string; responseCode?: number; code?: string };
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : null;
  const code = typeof e.code === 'string' ? e.code : null;
  let transient = true;
  if (responseCode !== null) transient = responseCode < 500;
  else if (code && ['EENVELOPE', 'EMESSAGE', 'ECONFIG'].includes(code)) transient = false;
  return new MailError(e.message ?? String(err), transient, responseCode, code);
}

/** `<id@wanwatch>` from an id or an already bracketed Message-ID. */
export function normaliseMessageId(id: string): string {
  return id.startsWith('<') ? id : `<${id}>`;
}
