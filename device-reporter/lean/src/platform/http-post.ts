/**
 * One report POST over TCP (luasocket; TLS through luasec for `https://`, tls.ts), bound to a
 * WAN's source address, a fresh connection per upload (as the Node build: a reused socket on a
 * dead WAN would hang), the body gzipped when lua-zlib is installed.
 * Classified once, here, like device-reporter/uploader/http-transport.ts:
 * 200 -> ack, connect/socket error or bad answer -> network, 429/5xx/404 -> server,
 * 401/403 -> auth, 400/413/415/422 -> rejected.
 */
import * as socket from 'socket';
import type { TcpSocket } from 'socket';
import { decodeJson } from './json-decode.ts';
import { gzip, gzipAvailable, startTls, tlsAvailable } from './tls.ts';

export type PostOutcome =
  | { kind: 'ack'; bootId: string; ackSeq: number }
  | { kind: 'network'; error: string }
  | { kind: 'server'; status: number }
  | { kind: 'auth'; status: number }
  | { kind: 'rejected'; status: number; detail: string };

export interface ServerUrl {
  tls: boolean;
  host: string;
  port: number;
  path: string;
}

/**
 * `http[s]://host[:port][/base]` -> where reports go (`/api/v1/reports`); undefined when not
 * http(s), or https without luasec installed.
 */
export function parseServerUrl(url: string): ServerUrl | undefined {
  const [scheme, host, port, base] = string.match(url, '^(https?)://([%w%.%-]+):?(%d*)(/?[^?#]*)$');
  if (scheme === undefined || host === undefined) return undefined;
  const tls = scheme === 'https';
  if (tls && !tlsAvailable()) return undefined;
  const trimmed = (base ?? '').endsWith('/') ? (base ?? '').slice(0, -1) : (base ?? '');
  const portNumber = port !== undefined && port !== '' ? tonumber(port)! : tls ? 443 : 80;
  return { tls, host, port: portNumber, path: `${trimmed}/api/v1/reports` };
}

export function postReport(
  server: ServerUrl,
  body: string,
  o: { token: string; agent: string; localAddress?: string; connectTimeoutS: number; requestTimeoutS: number },
): PostOutcome {
  const sock: TcpSocket = socket.tcp();
  let conn: TcpSocket = sock;
  try {
    if (o.localAddress !== undefined) {
      const [ok, err] = sock.bind(o.localAddress, 0);
      if (ok === undefined) return { kind: 'network', error: `bind ${o.localAddress}: ${err}` };
    }
    sock.settimeout(o.connectTimeoutS);
    const [connected, cerr] = sock.connect(server.host, server.port);
    if (connected === undefined) return { kind: 'network', error: `connect: ${cerr}` };
    if (server.tls) {
      const tls = startTls(sock, server.host, o.requestTimeoutS);
      if (typeof tls === 'string') return { kind: 'network', error: tls };
      conn = tls;
    }
    conn.settimeout(o.requestTimeoutS);
    const zipped = gzipAvailable();
    const payload = zipped ? gzip(body) : body;
    const head = [
      `POST ${server.path} HTTP/1.1`,
      `Host: ${server.host}:${server.port}`,
      'Content-Type: application/json',
      ...(zipped ? ['Content-Encoding: gzip'] : []),
      `Content-Length: ${payload.length}`,
      `Authorization: Bearer ${o.token}`,
      `User-Agent: ${o.agent}`,
      'Connection: close',
      '',
      '',
    ].join('\r\n');
    const [sent, serr] = conn.send(head + payload);
    if (sent === undefined) return { kind: 'network', error: `send: ${serr}` };
    const [answer, rerr, partial] = conn.receive('*a');
    const text = answer ?? partial ?? '';
    if (answer === undefined && rerr !== 'closed') return { kind: 'network', error: `receive: ${rerr}` };
    return classify(text);
  } finally {
    conn.close();
    if (conn !== sock) sock.close();
  }
}

function classify(response: string): PostOutcome {
  const [statusText] = string.match(response, '^HTTP/1%.%d (%d%d%d)');
  const status = tonumber(statusText ?? '');
  if (status === undefined) return { kind: 'network', error: 'no HTTP answer' };
  const split = response.indexOf('\r\n\r\n');
  let body = split >= 0 ? response.slice(split + 4) : '';
  if (string.find(response.slice(0, split), '[Tt]ransfer%-[Ee]ncoding: chunked')[0] !== undefined) body = unchunk(body);
  if (status === 200) {
    const [ok, doc] = pcall(() => decodeJson(body).value as { bootId?: unknown; ackSeq?: unknown });
    if (ok && typeof doc === 'object' && typeof doc.bootId === 'string' && typeof doc.ackSeq === 'number')
      return { kind: 'ack', bootId: doc.bootId, ackSeq: doc.ackSeq };
    return { kind: 'network', error: 'answer 200 without a valid ack' };
  }
  if (status === 401 || status === 403) return { kind: 'auth', status };
  if (status === 400 || status === 413 || status === 415 || status === 422)
    return { kind: 'rejected', status, detail: body.slice(0, 300) };
  return { kind: 'server', status };
}

function unchunk(body: string): string {
  const parts: string[] = [];
  let at = 0;
  for (;;) {
    const nl = body.indexOf('\r\n', at);
    if (nl < 0) break;
    const size = tonumber(body.slice(at, nl), 16);
    if (size === undefined || size === 0) break;
    parts.push(body.slice(nl + 2, nl + 2 + size));
    at = nl + 2 + size + 2;
  }
  return parts.join('');
}
