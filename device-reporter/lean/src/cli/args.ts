/**
 * The subset of node:util `parseArgs` the reporter's commands use: `--name value`, `--name=value`,
 * boolean flags and their one-letter short forms; no positionals.
 */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
}

export class ArgsError extends Error {}

export function parseFlags(argv: readonly string[], spec: Record<string, OptionSpec>): Map<string, string | boolean> {
  const out = new Map<string, string | boolean>();
  const byShort = new Map<string, string>();
  for (const [name, s] of Object.entries(spec)) if (s.short !== undefined) byShort.set(s.short, name);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    let name: string | undefined;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (eq >= 0) inline = a.slice(eq + 1);
    } else if (a.startsWith('-') && a.length === 2) name = byShort.get(a.slice(1));
    else throw new ArgsError(`Unexpected argument '${a}'. This command does not take positional arguments`);
    const s = name !== undefined ? spec[name] : undefined;
    if (name === undefined || s === undefined) throw new ArgsError(`Unknown option '${a}'`);
    if (s.type === 'boolean') {
      if (inline !== undefined) throw new ArgsError(`Option '--${name}' does not take an argument`);
      out.set(name, true);
      continue;
    }
    const v = inline ?? argv[++i];
    if (v === undefined) throw new ArgsError(`Option '--${name} <value>' argument missing`);
    out.set(name, v);
  }
  return out;
}

export const flagString = (m: Map<string, string | boolean>, name: string): string | undefined => {
  const v = m.get(name);
  return typeof v === 'string' ? v : undefined;
};
