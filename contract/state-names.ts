/**
 * The state names as plain constants, without zod: the lean (Lua) reporter build imports these at
 * run time, and the router carries no validation library. states.ts builds its schemas from them.
 */

/**
 * Interface states as mwan3track writes them to its STATUS file (docs/mwan3-reference.md, "The score state machine"), plus
 * `unknown` for "no tracker / no data" (what `mwan3 status` and ubus report when the file is missing).
 */
export const IFACE_STATES = ['online', 'offline', 'connecting', 'disconnecting', 'disabled', 'unknown'] as const;

/** Per-target probe classification of one round (docs/mwan3-reference.md, "Probes and target classification"). */
export const TARGET_STATUSES = ['up', 'down', 'skipped', 'unknown'] as const;

export const LAST_RESORTS = ['unreachable', 'blackhole', 'default'] as const;

export const FAMILIES = ['ipv4', 'ipv6'] as const;
