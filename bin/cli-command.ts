/** What every subcommand module exports: its help text and a runner that returns the exit code. */
export interface CliCommand {
  HELP: string;
  run(argv: string[]): Promise<number>;
}

/** A subcommand as a CLI lists it: a one-line summary and its module (loaded on demand, or given). */
export interface CliEntry {
  summary: string;
  load: () => CliCommand | Promise<CliCommand>;
}

/** The "Commands:" lines of a CLI's help, names padded to `width`. */
export function commandLines(commands: Record<string, CliEntry>, width: number): string {
  return Object.entries(commands)
    .map(([name, c]) => `  ${name.padEnd(width)} ${c.summary}`)
    .join('\n');
}

/**
 * Runs `prog <command> [args]`: no command prints the help (exit 2), `help`/`--help` prints it (0),
 * an unknown command is an error (2), `<command> --help` prints that command's help (0).
 */
export async function dispatch(
  prog: string,
  help: string,
  commands: Record<string, CliEntry>,
  argv: string[],
): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help);
    return name ? 0 : 2;
  }
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!entry) {
    process.stderr.write(`${prog}: unknown command "${name}"\n\n${help}`);
    return 2;
  }
  const cmd = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(cmd.HELP.endsWith('\n') ? cmd.HELP : `${cmd.HELP}\n`);
    return 0;
  }
  return cmd.run(rest);
}
