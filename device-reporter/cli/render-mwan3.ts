import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { RENDER_MWAN3_HELP } from './help-texts.ts';
import { parseNetworkConfig } from '../config/network-config.ts';
import { UciParseError, writeUci } from '../config/uci.ts';
import { MultiWanError, parseMultiWan } from '../render/parse-multiwan.ts';
import { renderMwan3 } from '../render/render-mwan3.ts';

export const HELP = RENDER_MWAN3_HELP;

/** Renders to stdout; exit 0, or 2 with an error naming the bad field or line. */
export async function run(argv: string[]): Promise<number> {
  let values: { multiwan?: string; 'network-config'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        multiwan: { type: 'string' },
        'network-config': { type: 'string' },
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
  if (!values.multiwan) {
    process.stderr.write(`--multiwan is required\n\n${HELP}\n`);
    return 2;
  }
  try {
    const json: unknown = JSON.parse(readFileSync(values.multiwan, 'utf8'));
    const network = values['network-config']
      ? parseNetworkConfig(readFileSync(values['network-config'], 'utf8'))
      : undefined;
    process.stdout.write(writeUci(renderMwan3(parseMultiWan(json), network)));
    return 0;
  } catch (e) {
    if (
      e instanceof MultiWanError ||
      e instanceof UciParseError ||
      e instanceof SyntaxError ||
      (e as NodeJS.ErrnoException).code === 'ENOENT'
    ) {
      process.stderr.write(`render-mwan3: ${(e as Error).message}\n`);
      return 2;
    }
    throw e;
  }
}
