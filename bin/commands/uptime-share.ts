import type { Redis } from 'ioredis';
import { loadLinkKey, type RedisKeys } from '../../store/index.ts';
import { lifetimeMs, makeShareLink, type UptimeService } from '../../reports/index.ts';

/** What `--share-link` needs checked before any connection: a message, or undefined when fine. */
export function shareArgsProblem(v: { format: string; expires?: string | undefined }): string | undefined {
  if (!['table', 'html', 'csv'].includes(v.format)) return '--share-link makes links to the html or csv report';
  if (v.expires !== undefined && !lifetimeMs(v.expires)) return '--expires takes a lifetime like 30m, 12h or 7d';
  return undefined;
}

/**
 * `wanwatch uptime … --share-link`: signs a share link with the server's link key in Redis (the one
 * every API process uses), so the link opens on any of them. Prints the URL (WANWATCH_PUBLIC_URL),
 * else the path, with a note on stderr.
 */
export async function printShareLink(
  deps: { service: UptimeService; redis: Redis; keys: RedisKeys; publicUrl: string | undefined },
  v: { deviceId: string | null; from?: string; to?: string; tz?: string; format: string; expires?: string },
): Promise<string> {
  const link = await makeShareLink(
    {
      service: deps.service,
      linkKey: () => loadLinkKey(deps.redis, deps.keys.linkKey),
      publicUrl: deps.publicUrl ?? null,
    },
    {
      deviceId: v.deviceId,
      ...(v.from ? { from: v.from } : {}),
      ...(v.to ? { to: v.to } : {}),
      ...(v.tz ? { tz: v.tz } : {}),
      ...(v.format === 'csv' ? { format: 'csv' } : {}),
      ...(v.expires ? { expiresIn: v.expires } : {}),
    },
    Date.now(),
  );
  if (!link.url)
    process.stderr.write(
      'wanwatch uptime: WANWATCH_PUBLIC_URL is not set: this is the path; put it after the URL the API is reached at\n',
    );
  process.stderr.write(`wanwatch uptime: the link opens the report without a token until ${link.expiresAt}\n`);
  return `${link.url ?? link.path}\n`;
}
