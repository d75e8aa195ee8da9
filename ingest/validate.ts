import type { z } from 'zod';
import { ProblemError, issuesToErrors } from '../contract/index.ts';

/**
 * Parses a request body with a zod schema. Unknown fields are `unknown_field` (so a client sending
 * a newer format learns why), every other mismatch `validation_failed`; errors name the path.
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (body === undefined)
    throw new ProblemError('unsupported_media_type', 'send a JSON body with Content-Type: application/json');
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const unknown = r.error.issues.filter((i) => i.code === 'unrecognized_keys');
  if (unknown.length > 0) {
    const errors = unknown.map((i) => ({
      path: [...i.path.map(String), ...('keys' in i ? [(i.keys as string[]).join(',')] : [])].join('.') || '(root)',
      message: i.message,
    }));
    throw new ProblemError('unknown_field', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
  }
  const errors = issuesToErrors(r.error.issues);
  throw new ProblemError(
    'validation_failed',
    errors
      .map((e) => `${e.path}: ${e.message}`)
      .join('; ')
      .slice(0, 1000),
    errors.slice(0, 50),
  );
}
