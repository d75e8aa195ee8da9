import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring links: a URL that opens one page without a token (a shared uptime report, the
 * acknowledgement page of one incident). The signature is an HMAC-SHA256, keyed by the server's
 * link key (store/link-key.ts), over the path and the canonical query — every parameter except
 * `sig`, `exp` included, sorted — so changing the path, any parameter or the expiry breaks it.
 * Pure: the key and the time are passed in.
 */
export type LinkVerdict = { ok: true } | { ok: false; code: 'link_invalid' | 'link_expired' };

/** Longest a link may live: a report shared for a quarter, not for ever. */
export const MAX_LINK_LIFETIME_MS = 90 * 86_400_000;
const SIG_BYTES = 32;

/** The query as signed: `k=v` pairs (URI-encoded) of every parameter but `sig`, sorted by name then value. */
export function canonicalQuery(params: Iterable<readonly [string, string]>): string {
  return [...params]
    .filter(([k]) => k !== 'sig')
    .map(([k, v]) => [encodeURIComponent(k), encodeURIComponent(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function signatureOf(key: Buffer, path: string, canonical: string): Buffer {
  return createHmac('sha256', key).update(`${path}\n${canonical}`).digest();
}

/**
 * The signed path and query of a link to `path` (as the server sees it: URI-encoded segments) with
 * `params`, valid until `expMs` (rounded down to a second): `path?<canonical query>&sig=<base64url>`.
 */
export function signLink(
  key: Buffer,
  path: string,
  params: Iterable<readonly [string, string]>,
  expMs: number,
): string {
  const all = [...params].filter(([k]) => k !== 'sig' && k !== 'exp');
  all.push(['exp', String(Math.floor(expMs / 1000))]);
  const canonical = canonicalQuery(all);
  return `${path}?${canonical}&sig=${signatureOf(key, path, canonical).toString('base64url')}`;
}

/**
 * Whether a request for `path` with `params` (its whole query, `sig` and `exp` included) carries a
 * valid link at `nowMs`. The signature is checked first, so an expired link only says "expired"
 * when it is genuine (a forged `exp` reads as invalid):
 *
 * | one `sig`, 43 base64url chars | signature matches path + query | one `exp`, whole seconds | `exp` > now | verdict |
 * |---|---|---|---|---|
 * | no | – | – | – | link_invalid |
 * | yes | no (other path, a parameter added, dropped or changed, other key) | – | – | link_invalid |
 * | yes | yes | no | – | link_invalid |
 * | yes | yes | yes | no | link_expired |
 * | yes | yes | yes | yes | ok |
 */
export function verifyLink(
  key: Buffer,
  path: string,
  params: Iterable<readonly [string, string]>,
  nowMs: number,
): LinkVerdict {
  const list = [...params];
  const sigs = list.filter(([k]) => k === 'sig').map(([, v]) => v);
  if (sigs.length !== 1 || !/^[A-Za-z0-9_-]{43}$/.test(sigs[0]!)) return { ok: false, code: 'link_invalid' };
  const given = Buffer.from(sigs[0]!, 'base64url');
  const expected = signatureOf(key, path, canonicalQuery(list));
  if (given.length !== SIG_BYTES || !timingSafeEqual(given, expected)) return { ok: false, code: 'link_invalid' };
  const exps = list.filter(([k]) => k === 'exp').map(([, v]) => v);
  if (exps.length !== 1 || !/^\d{1,12}$/.test(exps[0]!)) return { ok: false, code: 'link_invalid' };
  return Number(exps[0]) * 1000 > nowMs ? { ok: true } : { ok: false, code: 'link_expired' };
}
