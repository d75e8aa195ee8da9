import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { MailError, classifyMailError, normaliseMessageId, type MailMessage, type Mailer } from '../store/mail.ts';

export { MailError, classifyMailError, type MailMessage, type Mailer };

export interface ClosableMailer extends Mailer {
  close(): void;
}

/**
 * The backend's mailer, made once by the host and shared by alerting and the scheduled reports:
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
  if (!cfg.outboxDir) throw new Error('mail: set smtpUrl (WANWATCH_SMTP_URL) or outboxDir');
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
