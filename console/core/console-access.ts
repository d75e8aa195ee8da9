/**
 * Who may use which of the console's writes: ONE table, mirroring the grants of the API routes
 * each write calls (ingest/access-policy.ts), so a button the console shows is one the API allows.
 * The pages hide controls with `mayWrite`, and every POST is refused below its role (a forged
 * form included) before it reaches the API, which checks the same role again.
 */

/** The console's roles, weakest first (the API tokens' roles). */
export const CONSOLE_ROLES = ['viewer', 'operator', 'admin'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

/**
 * Console POST path prefixes → the least role; the longest matching prefix wins, anything else
 * needs `admin`. Silences, maintenance windows and acknowledgements (`POST /silences`,
 * `DELETE /silences/:id`, `POST /incidents/:id/ack`) and receivers and routes (`PUT|DELETE
 * /receivers`, `/routes`) are `operator`; devices and tokens are `admin`; signing out is anyone's.
 */
export const CONSOLE_WRITES: ReadonlyMap<string, ConsoleRole> = new Map<string, ConsoleRole>([
  ['/logout', 'viewer'],
  ['/incidents', 'operator'],
  ['/maintenance', 'operator'],
  ['/admin/receivers', 'operator'],
  ['/admin/routes', 'operator'],
  ['/admin/devices', 'admin'],
  ['/admin/tokens', 'admin'],
  ['/admin', 'admin'],
]);

/** True for a known role name (a session read back from Redis is checked with it). */
export const isConsoleRole = (v: unknown): v is ConsoleRole => CONSOLE_ROLES.includes(v as ConsoleRole);

/** The least role a console write at `path` needs. Pure. */
export function writeNeed(path: string): ConsoleRole {
  let best: { prefix: string; need: ConsoleRole } | undefined;
  for (const [prefix, need] of CONSOLE_WRITES) {
    const fits = path === prefix || path.startsWith(`${prefix}/`);
    if (fits && (!best || prefix.length > best.prefix.length)) best = { prefix, need };
  }
  return best?.need ?? 'admin';
}

/**
 * May a signed-in `role` make the write at `path`? Pure.
 *
 * | role     | /logout | /incidents…, /maintenance…, /admin/receivers…, /admin/routes… | /admin…, other |
 * |----------|---------|----------------------------------------------------------------|----------------|
 * | viewer   | yes     | no                                                             | no             |
 * | operator | yes     | yes                                                            | no             |
 * | admin    | yes     | yes                                                            | yes            |
 */
export function mayWrite(role: ConsoleRole, path: string): boolean {
  return CONSOLE_ROLES.indexOf(role) >= CONSOLE_ROLES.indexOf(writeNeed(path));
}
