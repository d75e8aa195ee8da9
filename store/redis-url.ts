/**
 * WANWATCH_REDIS_URL: one Redis, `redis[s]://[user:pass@]host:port[/db]`, or a Redis Cluster given
 * by several seed nodes, `redis[s]://[user:pass@]h1:7000,h2:7001,…` (or one seed with `?cluster=yes`,
 * e.g. a managed cluster's configuration endpoint). The client discovers the other nodes itself.
 *
 * | URL                                   | cluster | nodes                | db |
 * |---------------------------------------|---------|----------------------|----|
 * | `redis://127.0.0.1:6379/2`            | no      | 127.0.0.1:6379       | 2  |
 * | `redis://h1:7000,h2:7001`             | yes     | h1:7000, h2:7001     | 0  |
 * | `redis://cfg.example:6379?cluster=yes`| yes     | cfg.example:6379     | 0  |
 * | `redis://h1,h2/3`                     | refused: a cluster has only db 0       |
 */
export interface RedisTarget {
  cluster: boolean;
  nodes: Array<{ host: string; port: number }>;
  username?: string;
  password?: string;
  db: number;
  tls: boolean;
}

const URL_RE = /^(rediss?):\/\/(?:([^@/?#]*)@)?([^/?#]+)(\/[^?#]*)?(\?[^#]*)?$/;

/** Parses a Redis URL (see above); throws an Error saying what is wrong. */
export function parseRedisUrl(url: string): RedisTarget {
  const m = URL_RE.exec(url);
  if (!m) throw new Error('must be a URL (redis://… or rediss://…)');
  const [, scheme, auth, hostList, path, query] = m;
  const nodes = hostList!.split(',').map((h) => parseHost(h.trim()));
  const cluster = nodes.length > 1 || /(?:^\?|&)cluster=(?:yes|true|1)(?:&|$)/.test(query ?? '');
  const dbText = path && path.length > 1 ? path.slice(1) : '0';
  if (!/^\d{1,2}$/.test(dbText)) throw new Error(`the path must be a database number, not "${dbText}"`);
  const db = Number(dbText);
  if (cluster && db !== 0) throw new Error('a Redis Cluster has only database 0');
  const [user, pass] = auth ? splitAuth(auth) : [undefined, undefined];
  return {
    cluster,
    nodes,
    ...(user ? { username: user } : {}),
    ...(pass !== undefined && pass !== '' ? { password: pass } : {}),
    db,
    tls: scheme === 'rediss',
  };
}

function parseHost(h: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(h);
  if (!m) throw new Error(`"${h}" is not a host[:port]`);
  const port = m[2] ? Number(m[2]) : 6379;
  if (port < 1 || port > 65535) throw new Error(`port ${port} is out of range`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

function splitAuth(auth: string): [string | undefined, string | undefined] {
  const i = auth.indexOf(':');
  const dec = (s: string) => decodeURIComponent(s);
  return i < 0 ? [dec(auth) || undefined, undefined] : [dec(auth.slice(0, i)) || undefined, dec(auth.slice(i + 1))];
}

/** The Redis URL with its password replaced, for logs and errors. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}
