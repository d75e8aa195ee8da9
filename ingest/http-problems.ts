import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { PROBLEM_CONTENT_TYPE, ProblemError, problemBody } from '../contract/index.ts';
import type { ProblemCode, ProblemBody } from '../contract/index.ts';
import type { IngestMetrics } from './metrics.ts';

/** A problem the client should retry after a while: answered with `Retry-After: <seconds>`. */
export class RetryLaterProblem extends ProblemError {
  readonly retryAfterS: number;
  constructor(code: ProblemCode, retryAfterMs: number, detail?: string) {
    super(code, detail);
    this.retryAfterS = Math.max(1, Math.ceil(retryAfterMs / 1000));
  }
}

/**
 * Headers an error answer carries besides its type: `Retry-After` for RetryLaterProblem, and
 * `Connection: close` when the request body was not read — a refused request (bad token, too many
 * bodies) must not keep its connection, and its unread body, for as long as the client cares to send.
 */
export function problemHeaders(err: unknown, req: IncomingMessage): Record<string, string> {
  const h: Record<string, string> = {};
  if (err instanceof RetryLaterProblem) h['Retry-After'] = String(err.retryAfterS);
  if (!req.complete) h.Connection = 'close';
  return h;
}

/** After an answer to a request whose body was left unread: drop the connection once the answer is out. */
export function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete) return;
  res.once('finish', () => req.socket.destroySoon());
}

/** Retry-After of a `server_busy` answer: bodies in progress finish in well under that. */
export const BUSY_RETRY_MS = 2_000;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Body bytes -> text. Invalid UTF-8 is refused, not replaced: a replaced byte would store a name
 * the device never sent. A leading BOM is dropped, as the express route's body parser does.
 */
export function utf8Text(buf: Buffer): string {
  try {
    return strictUtf8.decode(buf);
  } catch {
    throw new ProblemError('invalid_utf8', 'the body is not valid UTF-8');
  }
}

export function sendProblem(res: Response, body: ProblemBody): void {
  res.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

/**
 * Maps body-parser errors (by their `type`) and zlib errors to contract problem codes.
 *
 * | error                                   | code                  |
 * |-----------------------------------------|-----------------------|
 * | entity.parse.failed                     | invalid_json          |
 * | entity.too.large                        | payload_too_large     |
 * | encoding.unsupported                    | unsupported_encoding  |
 * | charset.unsupported                     | unsupported_media_type|
 * | zlib error (code Z_*), bad gzip header   | invalid_gzip          |
 * | request.aborted / size mismatch         | invalid_json          |
 */
export function bodyErrorCode(err: { type?: string; code?: string; errno?: number }): ProblemCode | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return 'invalid_json';
    case 'entity.too.large':
      return 'payload_too_large';
    case 'encoding.unsupported':
      return 'unsupported_encoding';
    case 'charset.unsupported':
      return 'unsupported_media_type';
    case 'request.size.invalid':
    case 'request.aborted':
      return 'invalid_json';
  }
  if (typeof err.code === 'string' && err.code.startsWith('Z_')) return 'invalid_gzip';
  return undefined;
}

/** The one place that renders errors: ProblemError and body errors as problem+json; anything else is logged once as a 500. */
export function problemHandler(logger: Logger, metrics: IngestMetrics): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    let body: ProblemBody;
    if (err instanceof ProblemError) {
      body = err.toBody();
      if (err.status >= 500) logger.warn({ code: err.code, path: req.path, err: err.message }, 'request failed');
    } else {
      const code = bodyErrorCode(err as { type?: string; code?: string });
      if (code) body = problemBody(code, (err as Error).message);
      else {
        logger.error({ err, path: req.path, method: req.method }, 'unhandled error');
        body = problemBody('internal_error');
      }
    }
    metrics.rejects.inc({ code: body.code });
    res.set(problemHeaders(err, req));
    closeAfterAnswer(req, res);
    sendProblem(res, body);
  };
}
