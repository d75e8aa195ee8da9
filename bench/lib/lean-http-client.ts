/**
 * A minimal keep-alive HTTP/1.1 client for load generation: one socket per worker, one request at a
 * time on it, requests written as one buffer, responses read by Content-Length (204 without body).
 *
 * Why not node:http: the benchmarks run the load generator on the same two cores as the server and
 * influxd, and node's client (agent, header objects, streams) took 0.24 ms of CPU per request, half
 * of what the server then spent on a report (this one: 0.06-0.1 ms). A cheap client measures the
 * server, not the client. Both the
 * API phase and the raw-InfluxDB baseline use this client, so their ratio stays like for like.
 */
import { connect, type Socket } from 'node:net';

export interface LeanResponse {
  status: number;
  body: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** One connection; `post` may be called again once the previous call has settled. */
export class LeanHttpConnection {
  private socket: Socket | undefined;
  private buf: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: LeanResponse) => void; reject: (e: Error) => void } | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  private open(): Socket {
    const s = connect({ host: this.host, port: this.port, noDelay: true });
    s.on('data', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.tryParse();
    });
    const fail = (err: Error) => {
      this.socket = undefined;
      this.buf = Buffer.alloc(0);
      const w = this.waiting;
      this.waiting = undefined;
      w?.reject(err);
    };
    s.on('error', fail);
    s.on('close', () => fail(new Error('connection closed')));
    this.socket = s;
    return s;
  }

  private tryParse(): void {
    if (!this.waiting) return;
    const end = this.buf.indexOf(HEADER_END);
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    let body: string;
    let used: number;
    if (cl) {
      const len = Number(cl[1]);
      if (this.buf.length < end + 4 + len) return;
      body = this.buf.toString('utf8', end + 4, end + 4 + len);
      used = end + 4 + len;
    } else if (status === 204 || status === 304) {
      body = '';
      used = end + 4;
    } else {
      // Neither the API nor influxd answers without a length; a chunked answer is not expected here.
      this.socket?.destroy(new Error(`lean client: HTTP ${status} without Content-Length`));
      return;
    }
    this.buf = this.buf.subarray(used);
    const w = this.waiting;
    this.waiting = undefined;
    w.resolve({ status, body });
  }

  post(path: string, headers: string, body: string): Promise<LeanResponse> {
    const s = this.socket ?? this.open();
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      const bodyBuf = Buffer.from(body, 'utf8');
      s.cork();
      s.write(
        `POST ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\n${headers}Content-Length: ${bodyBuf.length}\r\n\r\n`,
        'latin1',
      );
      s.write(bodyBuf);
      s.uncork();
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }
}

/** Idle connections to one host, reused: as many sockets as requests in flight at the busiest moment. */
export class LeanHttpPool {
  private readonly idle: LeanHttpConnection[] = [];
  private readonly all: LeanHttpConnection[] = [];

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  static forUrl(url: string): LeanHttpPool {
    const u = new URL(url);
    return new LeanHttpPool(u.hostname, Number(u.port));
  }

  async post(path: string, headers: string, body: string): Promise<LeanResponse> {
    let c = this.idle.pop();
    if (!c) {
      c = new LeanHttpConnection(this.host, this.port);
      this.all.push(c);
    }
    try {
      const r = await c.post(path, headers, body);
      this.idle.push(c);
      return r;
    } catch (err) {
      c.close();
      throw err;
    }
  }

  close(): void {
    for (const c of this.all) c.close();
  }
}

/** `name: value\r\n` lines for LeanHttpConnection.post. */
export function headerLines(h: Record<string, string>): string {
  return Object.entries(h)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
}
