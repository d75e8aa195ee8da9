/**
 * JSON text for records, the status file and upload bodies. A Lua table does not say whether it
 * was `[]` or `{}`: an empty one is written as `[]` (the records' empty lists; they have no empty
 * objects). Numbers: integers exactly, fractions with the shortest of 14 or 17 digits that reads back.
 */
/**
 * `nullKeys(obj)` names the keys an object must carry even when they hold nothing: Lua cannot keep
 * a `null` in a table, and the wire format requires `"rttAvgMs":null` rather than no key.
 */
export function encodeJson(value: unknown, nullKeys?: (obj: Record<string, unknown>) => readonly string[]): string {
  const t = type(value);
  if (value === undefined) return 'null';
  if (t === 'boolean') return value ? 'true' : 'false';
  if (t === 'number') return encodeNumber(value as number);
  if (t === 'string') return encodeString(value as string);
  if (Array.isArray(value)) return `[${value.map((v: unknown) => encodeJson(v, nullKeys)).join(',')}]`;
  if (t === 'table') {
    const obj = value as Record<string, unknown>;
    const parts: string[] = [];
    const keys = Object.keys(obj);
    if (nullKeys !== undefined) for (const k of nullKeys(obj)) if (obj[k] === undefined) keys.push(k);
    keys.sort();
    for (const k of keys) {
      const v = obj[k];
      parts.push(`${encodeString(k)}:${v === undefined ? 'null' : encodeJson(v, nullKeys)}`);
    }
    return `{${parts.join(',')}}`;
  }
  return 'null';
}

function encodeNumber(n: number): string {
  if (n !== n || n === Infinity || n === -Infinity) return 'null';
  if (Math.floor(n) === n && Math.abs(n) < 2 ** 53) return string.format('%d', n);
  const short = string.format('%.14g', n);
  return tonumber(short) === n ? short : string.format('%.17g', n);
}

const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function encodeString(s: string): string {
  const [out] = string.gsub(s, '[%c"\\\\]', (c: string) => ESCAPES[c] ?? string.format('\\u%04x', string.byte(c)));
  return `"${out}"`;
}
