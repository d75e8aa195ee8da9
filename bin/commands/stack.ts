import { stackCli, STACK_HELP } from '../../stack/cli.ts';

export const HELP = STACK_HELP;
export const run = stackCli;
