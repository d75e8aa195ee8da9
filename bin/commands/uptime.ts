// Placeholder until the issue that owns `wanwatch uptime` lands; it fails loudly rather than pretending.
export const HELP = 'wanwatch uptime: not implemented yet\n';
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write(HELP);
  return 1;
}
