import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { MailMessage, Mailer } from '../index.ts';

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

export interface ClosableMailer extends Mailer {
  close(): void;
}

/** `<id@wanwatch>` from an id or an already bracketed Message-ID. */
export function normaliseMessageId(id: string): string {
  return id.startsWith('<') ? id : `<${id}>`;
}

/**
 * nodemailer pooled SMTP from `smtpUrl`; without it, every message becomes a `.eml` file in
 * `outboxDir` named after its Message-ID (a retried send rewrites the same file).
 */
export function createMailer(cfg: { smtpUrl?: string; outboxDir?: string; from: string }): ClosableMailer {
  if (cfg.smtpUrl) {
    const transport = nodemailer.createTransport({
      url: cfg.smtpUrl,
      pool: true,
      maxConnections: 10,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 60_000,
    });
    return {
      async send(msg: MailMessage) {
        try {
          await transport.sendMail({
            from: cfg.from,
            to: msg.to,
            subject: msg.subject,
            text: msg.text,
            html: msg.html,
            ...(msg.messageId ? { messageId: normaliseMessageId(msg.messageId) } : {}),
          });
        } catch (err) {
          throw classifyMailError(err);
        }
      },
      close: () => transport.close(),
    };
  }
  if (!cfg.outboxDir) throw new Error('alerting mail: set smtpUrl (WANWATCH_SMTP_URL) or outboxDir');
  const dir = cfg.outboxDir;
  mkdirSync(dir, { recursive: true });
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  let n = 0;
  return {
    async send(msg: MailMessage) {
      try {
        const info = await transport.sendMail({
          from: cfg.from,
          to: msg.to,
          subject: msg.subject,
          text: msg.text,
          html: msg.html,
          ...(msg.messageId ? { messageId: normaliseMessageId(msg.messageId) } : {}),
        });
        const base = (msg.messageId ?? `${Date.now()}-${process.pid}-${n++}`).replace(/[^A-Za-z0-9._-]/g, '_');
        const tmp = join(dir, `.${base}.tmp`);
        writeFileSync(tmp, info.message as Buffer);
        renameSync(tmp, join(dir, `${base}.eml`));
      } catch (err) {
        throw new MailError((err as Error).message, true, null, (err as { code?: string }).code ?? null);
      }
    },
    close: () => transport.close(),
  };
}
