/** What every subcommand module exports: its help text and a runner that returns the exit code. */
export interface CliCommand {
  HELP: string;
  run(argv: string[]): Promise<number>;
}
