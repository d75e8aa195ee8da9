/**
 * Problem details (RFC 9457) as every HTTP error is answered: `application/problem+json` with a
 * stable `code` that clients and tests match on. Titles are for humans and may change; codes may not.
 */
export const PROBLEMS = {
  invalid_json: { status: 400, title: 'The body is not valid JSON' },
  invalid_gzip: { status: 400, title: 'The body is not valid gzip' },
  invalid_utf8: { status: 400, title: 'The body is not valid UTF-8' },
  unsupported_encoding: { status: 415, title: 'Content-Encoding must be gzip or identity' },
  unsupported_media_type: { status: 415, title: 'Content-Type must be application/json' },
  payload_too_large: { status: 413, title: 'The body is larger than allowed' },
  validation_failed: { status: 422, title: 'The request does not match the schema' },
  unknown_field: { status: 422, title: 'The request has a field the schema does not know' },
  timestamp_in_future: { status: 422, title: 'A record is stamped too far in the future' },
  record_too_old: { status: 422, title: 'A record is older than the raw retention policy keeps' },
  name_budget_exceeded: { status: 422, title: 'The device would use more distinct names than its budget' },
  fleet_tag_limit: {
    status: 422,
    title: "The fleet is close to InfluxDB's tag value limit; no new names are accepted",
  },
  device_busy: { status: 429, title: 'The device has too many reports in flight; send one at a time' },
  storage_rejected: { status: 422, title: "The storage refused this report's data; a retry cannot succeed" },
  invalid_query: { status: 400, title: 'A query parameter is invalid' },
  missing_token: { status: 401, title: 'Authorization: Bearer <token> is required' },
  invalid_token: { status: 401, title: 'The token is not valid' },
  forbidden: { status: 403, title: 'This token may not do that' },
  forbidden_device: { status: 403, title: 'A device may only write as itself' },
  link_invalid: { status: 403, title: 'The link is not valid (changed, or made for another page)' },
  link_expired: { status: 403, title: 'The link has expired; ask for a new one' },
  not_found: { status: 404, title: 'Not found' },
  device_exists: { status: 409, title: 'A device with this id already exists' },
  too_many_auth_failures: { status: 429, title: 'Too many failed authentications; retry after Retry-After' },
  server_busy: { status: 503, title: 'Too many request bodies in progress; retry after Retry-After' },
  influx_unavailable: { status: 503, title: 'InfluxDB is not reachable; retry later' },
  redis_unavailable: { status: 503, title: 'Redis is not reachable; retry later' },
  shutting_down: { status: 503, title: 'The server is shutting down; retry later' },
  internal_error: { status: 500, title: 'Internal error' },
} as const;

export type ProblemCode = keyof typeof PROBLEMS;

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail?: string;
  /** Where the problem is, for validation errors: `records.3.timeMs`. */
  errors?: Array<{ path: string; message: string }>;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemBody(code: ProblemCode, detail?: string, errors?: ProblemBody['errors']): ProblemBody {
  const p = PROBLEMS[code];
  return {
    type: `https://wanwatch.dev/problems/${code.replace(/_/g, '-')}`,
    title: p.title,
    status: p.status,
    code,
    ...(detail !== undefined ? { detail } : {}),
    ...(errors !== undefined ? { errors } : {}),
  };
}

/** Thrown by any route or adapter that wants a specific problem answer; the app's error handler renders it. */
export class ProblemError extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly errors: ProblemBody['errors'];
  constructor(code: ProblemCode, detail?: string, errors?: ProblemBody['errors']) {
    super(detail ?? PROBLEMS[code].title);
    this.name = 'ProblemError';
    this.code = code;
    this.status = PROBLEMS[code].status;
    this.errors = errors;
  }
  toBody(): ProblemBody {
    return problemBody(this.code, this.message, this.errors);
  }
}

/** Turns zod issues into `{path, message}` pairs whose path names the bad field (`records.0.timeMs`). */
export function issuesToErrors(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>) {
  return issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}
