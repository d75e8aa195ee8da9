/**
 * A JSON decoder that keeps the order of object keys (lua-cjson decodes objects into tables,
 * whose iteration order is arbitrary; render-mwan3 must list WANs in the order the cloud sent).
 * `null` decodes to undefined. Objects are plain tables; `keyOrder` gives each object's keys.
 */
export class JsonDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyntaxError';
  }
}

export interface Decoded {
  value: unknown;
  keyOrder: (obj: object) => string[];
}

const WS = ' \t\n\r';
const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

export function decodeJson(text: string): Decoded {
  const order = new Map<object, string[]>();
  let i = 0;
  const fail = (what: string): never => {
    throw new JsonDecodeError(`${what} in JSON at position ${i}`);
  };
  const skip = (): void => {
    while (i < text.length && WS.includes(text[i]!)) i++;
  };
  const literal = (word: string, value: unknown): unknown => {
    if (text.slice(i, i + word.length) !== word) fail('Unexpected token');
    i += word.length;
    return value;
  };
  const str = (): string => {
    i++;
    const parts: string[] = [];
    let start = i;
    for (;;) {
      if (i >= text.length) fail('Unterminated string');
      const c = text[i]!;
      if (c === '"') break;
      if (c !== '\\') {
        i++;
        continue;
      }
      parts.push(text.slice(start, i));
      const e = text[i + 1];

      if (e !== undefined && SIMPLE_ESCAPES[e] !== undefined) {
        parts.push(SIMPLE_ESCAPES[e]!);
        i += 2;
      } else if (e === 'u') {
        let code = parseInt(text.slice(i + 2, i + 6), 16);
        i += 6;
        if (code >= 0xd800 && code <= 0xdbff && text.slice(i, i + 2) === '\\u') {
          const low = parseInt(text.slice(i + 2, i + 6), 16);
          code = 0x10000 + (code - 0xd800) * 0x400 + (low - 0xdc00);
          i += 6;
        }
        parts.push(utf8(code));
      } else fail('Bad escaped character');
      start = i;
    }
    parts.push(text.slice(start, i));
    i++;
    return parts.join('');
  };
  const num = (): number => {
    const start = i;
    while (i < text.length && '+-0123456789.eE'.includes(text[i]!)) i++;
    const n = Number(text.slice(start, i));
    if (start === i || n !== n) fail('Unexpected number');
    return n;
  };
  const value = (): unknown => {
    skip();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      const keys: string[] = [];
      order.set(obj, keys);
      skip();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        skip();
        if (text[i] !== '"') fail('Expected property name');
        const k = str();
        skip();
        if (text[i] !== ':') fail("Expected ':'");
        i++;
        const v = value();
        if (!keys.includes(k)) keys.push(k);
        obj[k] = v;
        skip();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return obj;
        } else fail("Expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      skip();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        skip();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return arr;
        } else fail("Expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (c === 't') return literal('true', true);
    if (c === 'f') return literal('false', false);
    if (c === 'n') return literal('null', undefined);
    return num();
  };
  const v = value();
  skip();
  if (i < text.length) fail('Unexpected non-whitespace character after JSON');
  return { value: v, keyOrder: (obj) => order.get(obj) ?? [] };
}

/** A code point as UTF-8 bytes. */
function utf8(code: number): string {
  if (code < 0x80) return string.char(code);
  if (code < 0x800) return string.char(0xc0 + Math.floor(code / 64), 0x80 + (code % 64));
  if (code < 0x10000)
    return string.char(0xe0 + Math.floor(code / 4096), 0x80 + (Math.floor(code / 64) % 64), 0x80 + (code % 64));
  return string.char(
    0xf0 + Math.floor(code / 262144),
    0x80 + (Math.floor(code / 4096) % 64),
    0x80 + (Math.floor(code / 64) % 64),
    0x80 + (code % 64),
  );
}
