import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Mwan3ConfigError, parseMwan3Config } from '../config/mwan3-config.ts';
import { UciParseError } from '../config/uci.ts';
import { buildStatusView } from '../status/build-status-view.ts';
import { formatMwan3Status } from '../status/mwan3-status-text.ts';
import { readStatusFile, statusFilePath } from '../status/status-file.ts';

export const DEFAULT_SPOOL_DIR = '/tmp/wanwatch';

export const HELP = `wanwatch-reporter status [--mwan3-config FILE] [--network-config FILE] [--assume-online eth0,eth1] [--spool-dir DIR]

Prints the live state in the layout of \`mwan3 status\`: interfaces, then policies with percentages.
  --mwan3-config FILE     default /etc/config/mwan3
  --network-config FILE   default /etc/config/network (accepted for symmetry with run; not needed for the output)
  --assume-online LIST    what if only these links were up (comma-separated; empty = none); no reporter needed
  --spool-dir DIR         where the running reporter writes status.json (default $WANWATCH_SPOOL_DIR or ${DEFAULT_SPOOL_DIR})`;

export async function run(argv: string[], nowMs: () => number = Date.now): Promise<number> {
  let values: {
    'mwan3-config'?: string;
    'network-config'?: string;
    'assume-online'?: string;
    'spool-dir'?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'mwan3-config': { type: 'string' },
        'network-config': { type: 'string' },
        'assume-online': { type: 'string' },
        'spool-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const configPath = values['mwan3-config'] ?? '/etc/config/mwan3';
  let config;
  try {
    config = parseMwan3Config(readFileSync(configPath, 'utf8'));
  } catch (e) {
    if (e instanceof UciParseError || e instanceof Mwan3ConfigError || (e as NodeJS.ErrnoException).code === 'ENOENT') {
      process.stderr.write(`status: ${configPath}: ${(e as Error).message}\n`);
      return 2;
    }
    throw e;
  }
  const assume = values['assume-online'];
  const assumeOnline =
    assume === undefined
      ? undefined
      : assume
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  const unknown = (assumeOnline ?? []).filter((n) => !config.interfaces.some((i) => i.name === n));
  if (unknown.length) process.stderr.write(`status: --assume-online: no mwan3 interface named ${unknown.join(', ')}\n`);
  const spoolDir = values['spool-dir'] ?? process.env.WANWATCH_SPOOL_DIR ?? DEFAULT_SPOOL_DIR;
  const live = assumeOnline === undefined ? readStatusFile(spoolDir) : undefined;
  const view = buildStatusView(config, live, assumeOnline, nowMs());
  if (view.source === 'none')
    process.stderr.write(`status: no running reporter (${statusFilePath(spoolDir)} not found); states unknown\n`);
  process.stdout.write(formatMwan3Status(view.ifaces, view.chains) + '\n');
  return 0;
}
