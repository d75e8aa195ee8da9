import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface SinkMessage {
  raw: Buffer;
  mailFrom: string;
  rcptTo: string[];
  receivedAtMs: number;
}

/** How the sink answers: accept, or refuse every message with a permanent (5xx) or temporary (4xx) reply. */
export type SinkMode = 'accept' | 'reject-permanent' | 'reject-temporary';

export interface SmtpSink {
  readonly port: number;
  readonly url: string;
  readonly messages: SinkMessage[];
  setMode(mode: SinkMode): void;
  /** Waits until at least `count` messages arrived (or throws after timeoutMs). */
  waitForMessages(count: number, timeoutMs?: number): Promise<SinkMessage[]>;
  /** Stops listening (connections are refused) but keeps the messages; `start()` listens again on the same port. */
  pause(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real SMTP server (smtp-server) on 127.0.0.1 that keeps what it receives, in memory and, with
 * `outboxDir`, as .eml files. Tests use it as the mail server; it can refuse mail on demand.
 */
export async function startSmtpSink(opts: { port?: number; outboxDir?: string } = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const waiters: Array<() => void> = [];
  let mode: SinkMode = 'accept';
  if (opts.outboxDir) mkdirSync(opts.outboxDir, { recursive: true });

  const make = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth(_auth, _session, cb) {
        cb(null, { user: 'sink' });
      },
      onRcptTo(_addr, _session, cb) {
        if (mode === 'reject-permanent')
          return cb(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
        if (mode === 'reject-temporary') return cb(Object.assign(new Error('try again later'), { responseCode: 451 }));
        cb();
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const msg: SinkMessage = {
            raw: Buffer.concat(chunks),
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
            receivedAtMs: Date.now(),
          };
          messages.push(msg);
          if (opts.outboxDir)
            writeFileSync(join(opts.outboxDir, `${msg.receivedAtMs}-${messages.length}.eml`), msg.raw);
          waiters.splice(0).forEach((w) => w());
          cb();
        });
      },
    });

  /** A client that dies mid-session (a worker killed by a test) resets its connection: that is the
   * client's fault, not the sink's, and must not surface as an uncaught error in the test process. */
  const makeQuiet = () => {
    const srv = make();
    srv.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') console.error(`smtp sink: ${err.message}`);
    });
    return srv;
  };
  let server = makeQuiet();
  let port = opts.port ?? 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server.server.address() as AddressInfo).port;
        resolve();
      });
    });
  const closeServer = () => new Promise<void>((resolve) => server.close(() => resolve()));
  await listen();

  return {
    get port() {
      return port;
    },
    get url() {
      return `smtp://127.0.0.1:${port}`;
    },
    messages,
    setMode(m) {
      mode = m;
    },
    async waitForMessages(count, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${count} messages in the SMTP sink, got ${messages.length}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, Math.min(left, 250));
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
      return messages.slice();
    },
    async pause() {
      await closeServer();
    },
    async start() {
      server = makeQuiet();
      await listen();
    },
    close: closeServer,
  };
}
