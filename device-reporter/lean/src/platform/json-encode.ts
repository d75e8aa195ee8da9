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
  // One buffer for the whole document: the status file and records are encoded several times a
  // second, and per-level joins and key arrays were most of the reporter's own CPU.
  const out: string[] = [];
  put(value, out, nullKeys);
  return table.concat(out);
}

function put(
  value: unknown,
  out: string[],
  nullKeys: ((obj: Record<string, unknown>) => readonly string[]) | undefined,
): void {
  const t = type(value);
  if (t === 'string') out.push(encodeString(value as string));
  else if (t === 'number') out.push(encodeNumber(value as number));
  else if (t === 'boolean') out.push(value === true ? 'true' : 'false');
  else if (t !== 'table') out.push('null');
  else if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      put(value[i], out, nullKeys);
    }
    out.push(']');
  } else {
    const obj = value as Record<string, unknown>;
    const keys: string[] = [];
    for (const [k] of pairs(obj as unknown as LuaTable<string, unknown>)) keys.push(k);
    if (nullKeys !== undefined) for (const k of nullKeys(obj)) if (obj[k] === undefined) keys.push(k);
    table.sort(keys);
    out.push('{');
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (i > 0) out.push(',');
      out.push(encodeString(k), ':');
      const v = obj[k];
      if (v === undefined) out.push('null');
      else put(v, out, nullKeys);
    }
    out.push('}');
  }
}

function encodeNumber(n: number): string {
  if (n !== n || n === Infinity || n === -Infinity) return 'null';
  if (Math.floor(n) === n && Math.abs(n) < 2 ** 53) return string.format('%d', n);
  const short = string.format('%.14g', n);
  return tonumber(short) === n ? short : string.format('%.17g', n);
}

const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function encodeString(s: string): string {
  // Most strings (keys, names, states) need no escape: skip gsub's per-call closure for them.
  if (string.find(s, '[%c"\\\\]')[0] === undefined) return `"${s}"`;
  const [out] = string.gsub(s, '[%c"\\\\]', (c: string) => ESCAPES[c] ?? string.format('\\u%04x', string.byte(c)));
  return `"${out}"`;
}
