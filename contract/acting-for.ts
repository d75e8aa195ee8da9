/**
 * The web console writes through the API with the admin token over loopback; this header names the
 * signed-in person (an API token's id, or `env-admin` / `env-viewer` for the env tokens) so the API
 * applies that person's role and the audit log names them. The API honours it only from the admin
 * token over loopback (ingest/acting-for.ts); from anyone else it is ignored.
 */
export const ACTING_FOR_HEADER = 'x-wanwatch-acting-for';
