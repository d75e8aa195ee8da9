import http from 'node:http';
import https from 'node:https';
import { reportAckSchema, type ReportAck } from '../../contract/index.ts';
import type { UploadRoute } from './routes.ts';

/**
 * POSTs one gzipped report through one route. Every outcome is classified here, once, where the
 * server is called:
 *
 * | outcome                                   | kind       | the uploader then…                         |
 * |-------------------------------------------|------------|--------------------------------------------|
 * | 200 with a valid ReportAck                | `ack`      | deletes what the ack covers                |
 * | connect/socket error, timeout, bad answer | `network`  | tries the next WAN at once                 |
 * | 429, 5xx (and 404: proxy without the API) | `server`   | backs off (the server is reachable but busy)|
 * | 401, 403                                  | `auth`     | backs off long, keeps every record          |
 * | 400, 413, 415, 422                        | `rejected` | splits the batch to isolate the bad record  |
 */
export type TransportOutcome =
  | { kind: 'ack'; ack: ReportAck }
  | { kind: 'network'; error: string }
  | { kind: 'server'; status: number; code?: string; retryAfterMs?: number }
  | { kind: 'auth'; status: number; code?: string }
  | { kind: 'rejected'; status: number; code?: string; detail?: string };

export interface PostOptions {
  /** Aborting ends the request at once as a `network` outcome naming the abort reason. */
  signal?: AbortSignal;
  /** Called once the connection to the server is up (TCP handshake done): the WAN carries traffic. */
  onConnected?: () => void;
}

export interface ReportTransport {
  post(route: UploadRoute, gzippedBody: Buffer, o?: PostOptions): Promise<TransportOutcome>;
  close(): void;
}

export interface HttpTransportOptions {
  /** Base URL of the backend, e.g. `https://wanwatch.example.net`. */
  serverUrl: string;
  token: string;
  /** Give up connecting through a WAN after this long and try the next. Default 4 s. */
  connectTimeoutMs?: number;
  /** Whole request. Default 20 s. */
  requestTimeoutMs?: number;
  agentName?: string;
}

export function createHttpTransport(o: HttpTransportOptions): ReportTransport {
  const url = new URL('/api/v1/reports', o.serverUrl);
  const mod = url.protocol === 'https:' ? https : http;
  const connectTimeoutMs = o.connectTimeoutMs ?? 4_000;
  const requestTimeoutMs = o.requestTimeoutMs ?? 20_000;
  return {
    post(route, body, { signal, onConnected } = {}) {
      return new Promise<TransportOutcome>((resolve) => {
        if (signal?.aborted) return resolve({ kind: 'network', error: abortReason(signal) });
        let settled = false;
        const onAbort = () => req.destroy(new Error(abortReason(signal!)));
        const done = (out: TransportOutcome) => {
          if (settled) return;
          settled = true;
          clearTimeout(overall);
          signal?.removeEventListener('abort', onAbort);
          resolve(out);
        };
        const req = mod.request(url, {
          method: 'POST',
          // A fresh connection per upload (no keep-alive): a reused socket on a WAN whose upstream just
          // died would hang until the answer timeout, while a new connect fails within connectTimeoutMs.
          agent: false,
          ...(route.localAddress ? { localAddress: route.localAddress } : {}),
          headers: {
            'content-type': 'application/json',
            'content-encoding': 'gzip',
            'content-length': body.length,
            authorization: `Bearer ${o.token}`,
            'user-agent': o.agentName ?? 'wanwatch-reporter',
          },
        });
        const overall = setTimeout(
          () => req.destroy(new Error(`no answer within ${requestTimeoutMs} ms`)),
          requestTimeoutMs,
        );
        req.on('socket', (sock) => {
          if (!sock.connecting) return onConnected?.();
          const t = setTimeout(
            () => req.destroy(new Error(`connect timeout after ${connectTimeoutMs} ms`)),
            connectTimeoutMs,
          );
          sock.once('connect', () => {
            clearTimeout(t);
            onConnected?.();
          });
          sock.once('close', () => clearTimeout(t));
        });
        signal?.addEventListener('abort', onAbort, { once: true });
        req.on('error', (err) =>
          done({ kind: 'network', error: `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`.trim() }),
        );
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= 64 * 1024) chunks.push(c);
          });
          res.on('error', (err) => done({ kind: 'network', error: err.message }));
          res.on('end', () => done(classify(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString('utf8'))));
          // 'close' without 'end': the connection died mid-answer (a no-op when 'end' came first).
          res.on('close', () => done({ kind: 'network', error: 'connection closed before the answer ended' }));
        });
        req.end(body);
      });
    },
    close() {},
  };
}

function abortReason(signal: AbortSignal): string {
  return signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted');
}

/** Maps an HTTP answer to an outcome. Pure; exported for tests. */
export function classify(status: number, headers: http.IncomingHttpHeaders, text: string): TransportOutcome {
  let body: { code?: unknown; detail?: unknown } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  const code = typeof body?.code === 'string' ? body.code : undefined;
  if (status === 200) {
    const ack = reportAckSchema.safeParse(body);
    return ack.success ? { kind: 'ack', ack: ack.data } : { kind: 'network', error: 'answer is not a ReportAck' };
  }
  if (status === 401 || status === 403) return { kind: 'auth', status, ...(code ? { code } : {}) };
  if ([400, 413, 415, 422].includes(status)) {
    return {
      kind: 'rejected',
      status,
      ...(code ? { code } : {}),
      ...(typeof body?.detail === 'string' ? { detail: body.detail } : {}),
    };
  }
  const ra = Number(headers['retry-after']);
  return {
    kind: 'server',
    status,
    ...(code ? { code } : {}),
    ...(Number.isFinite(ra) && ra > 0 ? { retryAfterMs: ra * 1000 } : {}),
  };
}
