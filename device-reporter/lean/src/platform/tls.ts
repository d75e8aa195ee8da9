/**
 * TLS for `https://` backends through luasec (OpenWrt `luasec`, Debian `lua-sec`), when installed:
 * the server's chain is verified against the system CA store (`SSL_CERT_FILE`, else
 * /etc/ssl/certs/ca-certificates.crt, as OpenSSL's tools use it) and its name against the
 * certificate's subjectAltName (luasec checks the chain, not the name). gzip of upload bodies
 * through lua-zlib, when installed.
 */
import type { TcpSocket } from 'socket';
import { getEnv } from './system.ts';

interface SslCert {
  extensions(): Record<string, { dNSName?: string[]; iPAddress?: string[] } | undefined>;
}

interface SslConn extends TcpSocket {
  sni(host: string): void;
  dohandshake(): LuaMultiReturn<[boolean | undefined, string?]>;
  getpeercertificate(): SslCert | undefined;
  getpeerverification(): LuaMultiReturn<[boolean, unknown?]>;
}

interface SslLib {
  wrap(this: void, sock: TcpSocket, params: Record<string, unknown>): LuaMultiReturn<[SslConn | undefined, string?]>;
}

interface ZlibLib {
  deflate(this: void, level: number, windowBits: number): (this: void, data: string, flush: string) => string;
}

function optional<T>(name: string): T | undefined {
  const [ok, lib] = pcall(require, name);
  return ok && typeof lib === 'object' ? (lib as T) : undefined;
}

// luasec is loaded only for an https:// server: libssl and libcrypto would add megabytes of RSS.
let SSL: SslLib | undefined;
const ZLIB = optional<ZlibLib>('zlib');

export function tlsAvailable(): boolean {
  SSL ??= optional<SslLib>('ssl');
  return SSL !== undefined;
}
export const gzipAvailable = (): boolean => ZLIB !== undefined;

/** The gzip file format (window bits 15 + 16), as the Node build sends. */
export function gzip(text: string): string {
  return ZLIB!.deflate(6, 31)(text, 'finish');
}

/**
 * Whether a certificate name covers `host`: exact (case-insensitive), or a `*.` wildcard standing
 * for exactly one leftmost label (RFC 6125: `*.example.com` covers `a.example.com`, not
 * `example.com` nor `a.b.example.com`).
 */
export function nameMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (!p.startsWith('*.')) return p === h;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot) === p.slice(1);
}

/** TLS over a connected socket; the connection, or why not (a network-level failure). */
export function startTls(sock: TcpSocket, host: string, timeoutS: number): SslConn | string {
  const [conn, err] = SSL!.wrap(sock, {
    mode: 'client',
    protocol: 'any',
    verify: 'peer',
    options: ['all', 'no_sslv2', 'no_sslv3'],
    cafile: getEnv('SSL_CERT_FILE') ?? '/etc/ssl/certs/ca-certificates.crt',
  });
  if (conn === undefined) return `tls: ${err}`;
  conn.sni(host);
  conn.settimeout(timeoutS);
  const [ok, herr] = conn.dohandshake();
  if (ok !== true) return `tls handshake: ${herr}`;
  const [verified] = conn.getpeerverification();
  if (!verified) return 'tls: certificate not verified';
  const san = conn.getpeercertificate()?.extensions()['2.5.29.17'];
  const names = [...(san?.dNSName ?? []), ...(san?.iPAddress ?? [])];
  if (!names.some((n) => nameMatches(n, host))) return `tls: certificate is not for ${host}`;
  return conn;
}
