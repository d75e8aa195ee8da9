import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { PROBLEM_CONTENT_TYPE, ProblemError, problemBody, reportV1Schema } from '../../contract/index.ts';
import type { ProblemBody, ReportAck } from '../../contract/index.ts';
import { authenticate } from '../auth.ts';
import { parseBody } from '../validate.ts';
import {
  BUSY_RETRY_MS,
  RetryLaterProblem,
  bodyErrorCode,
  closeAfterAnswer,
  problemHeaders,
  utf8Text,
} from '../http-problems.ts';
import { isPlainValidReport } from './report-precheck.ts';
import { checkReportAdmissible, enterGate, ingestReport, type ReportsApiDeps } from './device-reports.ts';
import { expectedBodyBytes } from '../body-budget.ts';

export const REPORTS_PATH = '/api/v1/reports';
const ROUTE_LABEL = { method: 'POST', route: REPORTS_PATH };

/**
 * Whether the fast path takes this request: exactly `POST /api/v1/reports` with a JSON body, plain or
 * gzip. Anything unusual (query string, other encodings, other content types, no body) goes through
 * express, whose body parser defines the answers for those; both paths give the same results.
 */
export function takesFastPath(req: IncomingMessage): boolean {
  if (req.method !== 'POST' || req.url !== REPORTS_PATH) return false;
  const h = req.headers;
  const enc = h['content-encoding'];
  if (enc !== undefined && enc !== 'gzip' && enc !== 'identity') return false;
  const ct = h['content-type'];
  if (ct !== 'application/json' && !(ct && /^application\/json\s*;\s*charset="?utf-8"?$/i.test(ct))) return false;
  // A body must be announced (express treats a request without one as "no body").
  return h['content-length'] !== undefined ? h['content-length'] !== '0' : h['transfer-encoding'] !== undefined;
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const len = req.headers['content-length'];
    if (len !== undefined && Number(len) > maxBytes) {
      reject(new ProblemError('payload_too_large', `request entity too large (limit ${maxBytes} bytes)`));
      return;
    }
    // With a declared length the bytes go straight into one buffer of that size, so a body is held
    // once, not as chunks and then their copy (the HTTP parser stops at the declared length).
    const declared = len !== undefined && /^\d+$/.test(len) ? Number(len) : undefined;
    const whole = declared !== undefined ? Buffer.allocUnsafe(declared) : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      if (whole) {
        if (size + c.length > whole.length) {
          req.off('data', onData);
          reject(new ProblemError('invalid_json', 'the body is longer than its Content-Length'));
          return;
        }
        c.copy(whole, size);
        size += c.length;
        return;
      }
      size += c.length;
      if (size > maxBytes) {
        req.off('data', onData);
        reject(new ProblemError('payload_too_large', `request entity too large (limit ${maxBytes} bytes)`));
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (whole) resolve(whole.subarray(0, size));
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.once('error', () => reject(new ProblemError('invalid_json', 'request aborted')));
  });
}

/** Body bytes -> JSON value, with the express body parser's codes (strict: an object or array). */
function decode(raw: Buffer, gzip: boolean, maxBytes: number): unknown {
  let buf = raw;
  if (gzip) {
    try {
      buf = gunzipSync(raw, { maxOutputLength: maxBytes });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
        throw new ProblemError('payload_too_large', `request entity too large (limit ${maxBytes} bytes)`);
      throw new ProblemError('invalid_gzip', (err as Error).message);
    }
  }
  const text = utf8Text(buf);
  let i = 0;
  while (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r') i++;
  if (text[i] !== '{' && text[i] !== '[') throw new ProblemError('invalid_json', 'the body must be a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ProblemError('invalid_json', (err as Error).message);
  }
}

/** `JSON.stringify(ack)` with the field order fixed: only the bootId string needs escaping. */
export function ackJson(ack: ReportAck): string {
  return `{"v":1,"bootId":${JSON.stringify(ack.bootId)},"ackSeq":${ack.ackSeq},"accepted":${ack.accepted},"duplicateTransitions":${ack.duplicateTransitions}}`;
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...headers, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * POST /api/v1/reports without express's router, middleware chain and body parser: reports are
 * nearly all the traffic, and those layers cost about as much CPU as the ingest itself. Same steps,
 * same order, same answers as `reportsHttpApi` (auth -> body -> validation -> ingestReport).
 */
export function fastReportHandler(deps: ReportsApiDeps) {
  const { metrics, logger } = deps;
  const ok = metrics.requests.labels({ ...ROUTE_LABEL, status: '200' });
  return (req: IncomingMessage, res: ServerResponse): void => {
    const gzip = req.headers['content-encoding'] === 'gzip';
    let release: ((status?: number) => void) | undefined;
    authenticate(req, deps.auth)
      .then(async (principal) => {
        // Only an authenticated request gets memory for its body, and only while the budget lasts.
        const releaseBody = deps.bodies.reserve(
          expectedBodyBytes(req.headers['content-length'], gzip, deps.maxReportBytes),
        );
        if (!releaseBody) throw new RetryLaterProblem('server_busy', BUSY_RETRY_MS);
        res.once('close', releaseBody);
        const raw = await readBody(
          req,
          gzip ? deps.maxReportBytes + (deps.maxReportBytes >> 6) + 1024 : deps.maxReportBytes,
        );
        release = await enterGate(deps, principal, res);
        if (!release) return;
        const body = decode(raw, gzip, deps.maxReportBytes);
        // zod decides (and words the errors) whenever the cheap check is not sure.
        const report = isPlainValidReport(body) ? body : parseBody(reportV1Schema, body);
        checkReportAdmissible(principal, report, deps.nowMs());
        const ack = await ingestReport(deps, report);
        send(res, 200, 'application/json; charset=utf-8', ackJson(ack));
        ok.inc();
      })
      .catch((err: unknown) => {
        let body: ProblemBody;
        if (err instanceof ProblemError) {
          body = err.toBody();
          if (err.status >= 500)
            logger.warn({ code: err.code, path: REPORTS_PATH, err: err.message }, 'request failed');
        } else {
          const code = bodyErrorCode(err as { type?: string; code?: string });
          if (code) body = problemBody(code, (err as Error).message);
          else {
            logger.error({ err, path: REPORTS_PATH, method: 'POST' }, 'unhandled error');
            body = problemBody('internal_error');
          }
        }
        metrics.rejects.inc({ code: body.code });
        if (!res.headersSent) {
          closeAfterAnswer(req, res);
          send(
            res,
            body.status,
            `${PROBLEM_CONTENT_TYPE}; charset=utf-8`,
            JSON.stringify(body),
            problemHeaders(err, req),
          );
        }
        metrics.requests.inc({ ...ROUTE_LABEL, status: String(body.status) });
      })
      .finally(() => release?.(res.statusCode));
  };
}
