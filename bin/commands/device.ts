import { parseArgs } from 'node:util';
import { deviceIdSchema } from '../../contract/index.ts';
import { redisKeys } from '../../store/index.ts';
import { createDeviceStore } from '../../ingest/device-store.ts';
import { apiRedis, connectRedis } from '../../backend/clients.ts';
import { ConfigError, readSettings, settingsHelp } from '../../backend/config.ts';
import { newDeviceSchema } from '../../ingest/routes/devices.ts';
import { ProblemError } from '../../contract/index.ts';
import { terminalSafe } from '../../reports/render/format.ts';

export const HELP = `Usage:
  wanwatch device add ID [--name NAME] [--site SITE] [--email ADDR]... [--json]
  wanwatch device list [--json]

Registers a device in the registry and prints its token ONCE; only a hash of the token is stored.

Environment:
${settingsHelp('device')}
`;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'add' && sub !== 'list') {
    process.stderr.write(HELP);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        name: { type: 'string' },
        site: { type: 'string' },
        email: { type: 'string', multiple: true },
        json: { type: 'boolean' },
      },
    });
  } catch (err) {
    process.stderr.write(`wanwatch device: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  let settings;
  try {
    settings = readSettings('device');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`wanwatch device: configuration error:\n${err.message}\n`);
    return 2;
  }
  const redisUrl = settings.WANWATCH_REDIS_URL!;
  const redis = apiRedis(redisUrl);
  redis.on('error', () => {});
  try {
    await connectRedis(redis, redisUrl);
    const store = createDeviceStore(redis, redisKeys(settings.WANWATCH_REDIS_PREFIX));
    if (sub === 'list') {
      const devices = await store.list();
      if (values.json) process.stdout.write(JSON.stringify(devices.map(({ tokenHash: _t, ...d }) => d)) + '\n');
      else
        for (const d of devices)
          process.stdout.write(
            [d.id, d.name, d.site ?? '', d.notificationEmails.join(',')].map(terminalSafe).join('\t') + '\n',
          );
      return 0;
    }
    if (positionals.length !== 1) {
      process.stderr.write(`wanwatch device add: expected exactly one ID\n\n${HELP}`);
      return 2;
    }
    const input = newDeviceSchema.safeParse({
      id: positionals[0],
      name: values.name,
      site: values.site,
      notificationEmails: values.email,
    });
    if (!input.success) {
      const idOk = deviceIdSchema.safeParse(positionals[0]).success;
      process.stderr.write(
        `wanwatch device add: ${input.error.issues.map((i) => `${i.path.join('.') === 'id' || !idOk ? 'ID' : '--' + String(i.path[0]).replace('notificationEmails', 'email')}: ${i.message}`).join('; ')}\n`,
      );
      return 2;
    }
    const { record, token } = await store.add(input.data, Date.now());
    if (values.json)
      process.stdout.write(
        JSON.stringify({
          id: record.id,
          name: record.name,
          site: record.site,
          notificationEmails: record.notificationEmails,
          token,
        }) + '\n',
      );
    else process.stdout.write(`device ${record.id} registered\ntoken (shown once, keep it): ${token}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ProblemError) {
      process.stderr.write(`wanwatch device: ${err.message}\n`);
      return err.code === 'device_exists' ? 3 : 1;
    }
    throw err;
  } finally {
    redis.disconnect();
  }
}
