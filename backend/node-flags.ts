/**
 * V8 flags a backend process (`serve`, `up`) starts with. They cannot be set from inside a running
 * process (V8 sizes its heap at start), so every launcher passes them: bin/wanwatch.js's first line,
 * `npm run up`, the systemd units in docs/systemd/, and the ingest benchmark; a unit test checks
 * that each of those carries them.
 *
 * `--max-semi-space-size=64` (MB; Node's default is 16): an API process under load allocates fast
 * while hundreds of reports wait a few milliseconds for their group-commit write. With a small
 * young generation those reports' objects are still alive at each scavenge and get copied, then
 * promoted; a larger one lets them die first. Measured in the ingest bench: about a fifth less
 * server CPU per report, for at most ~130 MB more memory under load (docs/performance.md).
 */
export const BACKEND_NODE_FLAGS = ['--max-semi-space-size=64'] as const;

/** The flags of BACKEND_NODE_FLAGS this process did not start with (command line or NODE_OPTIONS). */
export function missingNodeFlags(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)]);
  return BACKEND_NODE_FLAGS.filter((f) => !given.has(f));
}
