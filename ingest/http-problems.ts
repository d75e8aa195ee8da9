import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { PROBLEM_CONTENT_TYPE, ProblemError, problemBody } from '../contract/index.ts';
import type { ProblemCode, ProblemBody } from '../contract/index.ts';
import type { IngestMetrics } from './metrics.ts';

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
    sendProblem(res, body);
  };
}
