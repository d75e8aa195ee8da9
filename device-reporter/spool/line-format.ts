/**
 * One spool line, the part both reporter builds share (the Node build adds zod's record check,
 * line-codec.ts; the lean build its entry fields, lean/src/spool/line-codec.ts): a router can
 * switch builds without losing or re-sending a spooled record.
 *
 * Line: `<crc32 of json, 8 lower-case hex> <json>\n` where json is `{"b":bootId,"r":record}`. The
 * checksum makes a torn or corrupted line detectable after a power cut (a `kill -9` only ever
 * leaves a short last line, because every append is one write(2) of a whole line).
 *
 * | line (without its newline)                         | decoded                       |
 * | -------------------------------------------------- | ----------------------------- |
 * | shorter than 10 characters, or no space at 8       | `format`                      |
 * | checksum not 8 hex digits, or not the json's CRC   | `checksum`                    |
 * | json does not parse                                | `format`                      |
 * | `b` not a string, or `r` not an object             | `schema`                      |
 * | otherwise                                          | boot id, record, record text  |
 */

/** What each build brings: its CRC-32 and JSON (the Lua build has no JSON object of its own). */
export interface LinePlatform {
  crc32: (this: void, text: string) => number;
  /** JSON text of a string, as JSON.stringify writes it. */
  quote: (this: void, text: string) => string;
  /** Parses JSON text; throws on malformed text. */
  parse: (this: void, text: string) => unknown;
}

export type LineParts =
  | {
      ok: true;
      bootId: string;
      record: Record<string, unknown>;
      /** The record's text as it stands in the line; undefined when the line is not in the written form. */
      recordJson: string | undefined;
    }
  | { ok: false; reason: 'checksum' | 'format' | 'schema' };

const HEX = '0123456789abcdef';

/** `n` (0 … 2^32-1) as 8 lower-case hex digits, without number-to-string conversions the builds do differently. */
export function hex8(n: number): string {
  let out = '';
  let rest = n;
  for (let i = 0; i < 8; i++) {
    const digit = rest % 16;
    out = HEX.charAt(digit) + out;
    rest = (rest - digit) / 16;
  }
  return out;
}

/** 8 hex digits (either case) as a number; undefined for anything else. */
export function parseHex8(text: string): number | undefined {
  if (text.length !== 8) return undefined;
  let n = 0;
  for (let i = 0; i < 8; i++) {
    const digit = HEX.indexOf(text.charAt(i).toLowerCase());
    if (digit < 0) return undefined;
    n = n * 16 + digit;
  }
  return n;
}

export function encodeLineWith(p: LinePlatform, bootId: string, recordJson: string): string {
  const json = `{"b":${p.quote(bootId)},"r":${recordJson}}`;
  return `${hex8(p.crc32(json))} ${json}\n`;
}

/** Decodes one line without its trailing newline. Never throws. */
export function decodeLineWith(p: LinePlatform, line: string): LineParts {
  if (line.length < 10 || line.charAt(8) !== ' ') return { ok: false, reason: 'format' };
  const json = line.slice(9);
  const want = parseHex8(line.slice(0, 8));
  if (want === undefined || p.crc32(json) !== want) return { ok: false, reason: 'checksum' };
  let doc: unknown;
  try {
    doc = p.parse(json);
  } catch {
    return { ok: false, reason: 'format' };
  }
  if (typeof doc !== 'object' || doc === null) return { ok: false, reason: 'schema' };
  const { b, r } = doc as { b?: unknown; r?: unknown };
  if (typeof b !== 'string' || typeof r !== 'object' || r === null) return { ok: false, reason: 'schema' };
  // The record text is what follows `{"b":<bootId>,"r":` up to the closing brace.
  const head = `{"b":${p.quote(b)},"r":`;
  const recordJson = json.startsWith(head) && json.endsWith('}') ? json.slice(head.length, -1) : undefined;
  return { ok: true, bootId: b, record: r as Record<string, unknown>, recordJson };
}
