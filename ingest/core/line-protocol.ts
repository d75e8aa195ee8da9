/**
 * A small InfluxDB line-protocol serializer (1.x syntax, also accepted by 2.x/3.x `/write`).
 * Hand-written because node-influx's `writePoints` parses and type-checks every point again, and
 * without a schema writes every number as a float; here the field type is explicit per value.
 *
 * Escaping (line-protocol reference):
 * | part                     | escaped                   |
 * |--------------------------|---------------------------|
 * | measurement              | `,` and space             |
 * | tag key, tag value, field key | `,`, `=` and space   |
 * | string field value       | `"` and `\` (then quoted) |
 *
 * Tag values must already be passed through `encodeTagValue` (contract), which removes what line
 * protocol cannot carry at all (newlines, backslashes incl. a trailing one); empty tags are dropped.
 */

export type FieldValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string };

export const int = (value: number): FieldValue => ({ kind: 'int', value });
export const float = (value: number): FieldValue => ({ kind: 'float', value });
export const str = (value: string): FieldValue => ({ kind: 'string', value });

export interface LinePoint {
  measurement: string;
  tags: Record<string, string>;
  /** Fields whose value is undefined or null are left out (e.g. rtt when no reply arrived). */
  fields: Record<string, FieldValue | undefined>;
  /** Nanoseconds since the epoch, as a decimal string (no precision loss above 2^53). */
  timestampNs: string;
}

const escMeasurement = (s: string) => s.replace(/[, ]/g, (c) => '\\' + c);
export const escKey = (s: string) => (/[,= ]/.test(s) ? s.replace(/[,= ]/g, (c) => '\\' + c) : s);
export const escString = (s: string) => (/["\\]/.test(s) ? s.replace(/["\\]/g, (c) => '\\' + c) : s);
/**
 * Always a float literal, so a whole number never changes the field's type. A whole number prints
 * as `5` (add `.0`) below 1e21 and as `1e+21` from there on; an exponent form is a float literal
 * already, and `1e+21.0` is one InfluxDB refuses.
 */
export const floatText = (v: number) => {
  const s = String(v);
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
};

function fieldText(v: FieldValue): string {
  switch (v.kind) {
    case 'int':
      return `${Math.trunc(v.value)}i`;
    case 'float':
      return floatText(v.value);
    case 'string':
      return `"${escString(v.value)}"`;
  }
}

/** One line; throws when the point has no field (InfluxDB would reject the whole request). */
export function toLine(p: LinePoint): string {
  let line = escMeasurement(p.measurement);
  for (const k of Object.keys(p.tags).sort()) {
    const v = p.tags[k];
    if (v) line += `,${escKey(k)}=${escKey(v)}`;
  }
  let sep = ' ';
  for (const [k, v] of Object.entries(p.fields)) {
    if (v === undefined || v === null) continue;
    line += `${sep}${escKey(k)}=${fieldText(v)}`;
    sep = ',';
  }
  if (sep === ' ') throw new Error(`point of ${p.measurement} has no fields`);
  return `${line} ${p.timestampNs}`;
}

export function msToNs(timeMs: number): string {
  return `${timeMs}000000`;
}
