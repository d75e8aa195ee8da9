import { parseArgs } from 'node:util';
import { createLogger } from '../../backend/logger.ts';
import { redisKeys } from '../../store/index.ts';
import { formatTime, terminalSafe } from '../../store/text-format.ts';
import { createApiTokenStore, newTokenSchema, type ApiTokenView } from '../../ingest/api-tokens.ts';
import { createAuditQueue } from '../../ingest/audit-queue.ts';
import type { AuditRow } from '../../ingest/audit.ts';
import { apiRedis, bullConnection, connectRedis } from '../../backend/clients.ts';
import { ConfigError, readSettings, settingsHelp } from '../../backend/config.ts';

export const HELP = `Usage:
  wanwatch token create --role admin|operator|viewer --name NAME [--json]
  wanwatch token list [--json]
  wanwatch token revoke ID

API tokens with a role (docs/api.md, "Tokens and roles"): admin (everything), operator
(silences, acknowledgements, receivers and routes), viewer (read only). "create" prints the
token ONCE; only a keyed hash is stored. "revoke" takes effect at the next request in every API
process. Creating and revoking are written to the audit log (who: "cli").

Environment (the same as wanwatch device):
${settingsHelp('device')}
`;

const usage = (msg: string) => {
  process.stderr.write(`wanwatch token: ${msg}\n\n${HELP}`);
  return 2;
};

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') return usage('expected create, list or revoke');
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { role: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' } },
    });
  } catch (err) {
    return usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  let settings;
  try {
    settings = readSettings('device');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`wanwatch token: configuration error:\n${err.message}\n`);
    return 2;
  }
  const redisUrl = settings.WANWATCH_REDIS_URL!;
  const keys = redisKeys(settings.WANWATCH_REDIS_PREFIX);
  const redis = apiRedis(redisUrl);
  redis.on('error', () => {});
  const audit = createAuditQueue({
    connection: bullConnection(redisUrl, { failFast: true }),
    prefix: keys.bull,
    logger: createLogger('error'),
  });
  const audited = (row: Omit<AuditRow, 'atMs' | 'tokenId' | 'tokenName' | 'role'>) =>
    audit.add({ atMs: Date.now(), tokenId: 'cli', tokenName: 'wanwatch token', role: 'admin', ...row });
  try {
    await connectRedis(redis, redisUrl);
    const store = createApiTokenStore(redis, keys);
    if (sub === 'list') {
      const tokens = await store.list();
      if (values.json) process.stdout.write(JSON.stringify(tokens) + '\n');
      else for (const t of tokens) process.stdout.write(line(t) + '\n');
      return 0;
    }
    if (sub === 'revoke') {
      if (positionals.length !== 1) return usage('revoke: expected exactly one ID');
      const id = positionals[0]!;
      const gone = await store.revoke(id);
      await audited({ method: 'DELETE', route: '/api/v1/tokens/:id', target: id, status: gone ? 204 : 404 });
      if (!gone) {
        process.stderr.write(`wanwatch token: no token "${terminalSafe(id)}"\n`);
        return 1;
      }
      process.stdout.write(`token ${id} revoked\n`);
      return 0;
    }
    if (positionals.length > 0) return usage('create takes no positional arguments');
    const input = newTokenSchema.safeParse({ role: values.role, name: values.name });
    if (!input.success) return usage(input.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; '));
    const created = await store.create(input.data, Date.now());
    await audited({ method: 'POST', route: '/api/v1/tokens', target: created.id, status: 201 });
    if (values.json) process.stdout.write(JSON.stringify(created) + '\n');
    else
      process.stdout.write(
        `token ${created.id} (${created.role}) created\ntoken (shown once, keep it): ${created.token}\n`,
      );
    return 0;
  } finally {
    await audit.close();
    redis.disconnect();
  }
}

/** id, role, name, created, last used: tab-separated, names made safe for the terminal. */
function line(t: ApiTokenView): string {
  return [t.id, t.role, t.name, formatTime(t.createdAtMs), t.lastUsedMs === null ? 'never' : formatTime(t.lastUsedMs)]
    .map(terminalSafe)
    .join('\t');
}
