import * as zlib from 'node:zlib';
import { reportRecordSchema, type ReportRecord } from '../../contract/index.ts';

/**
 * One spool line: `<crc32 of json, 8 hex> <json>\n` where json is `{"b":bootId,"r":record}`.
 * The checksum makes a torn or corrupted line detectable after a power cut (a `kill -9` only ever
 * leaves a short last line, because every append is one write(2) of a whole line).
 */
export interface SpooledRecord {
  bootId: string;
  record: ReportRecord;
}

/** `recordJson` is `JSON.stringify(record)`; kept as a string so the spool can rewrite lines without re-serialising. */
/** CRC-32 (IEEE). zlib.crc32 exists from Node 20.15/22.2; routers often run an older Node, hence the fallback. */
const nativeCrc32 = (zlib as { crc32?: (data: string) => number }).crc32;
let table: Uint32Array | undefined;
export const crc32: (text: string) => number = nativeCrc32 ?? crc32Js;

export function crc32Js(text: string): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8')) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function encodeLine(bootId: string, recordJson: string): string {
  const json = `{"b":${JSON.stringify(bootId)},"r":${recordJson}}`;
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

export type DecodeResult = { ok: true; value: SpooledRecord } | { ok: false; reason: 'checksum' | 'format' | 'schema' };

/** Decodes one line without its trailing newline. Never throws. */
export function decodeLine(line: string): DecodeResult {
  if (line.length < 10 || line[8] !== ' ') return { ok: false, reason: 'format' };
  const json = line.slice(9);
  const want = Number.parseInt(line.slice(0, 8), 16);
  if (!Number.isFinite(want) || crc32(json) !== want) return { ok: false, reason: 'checksum' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return { ok: false, reason: 'format' };
  }
  const p = parsed as { b?: unknown; r?: unknown };
  const rec = reportRecordSchema.safeParse(p.r);
  if (typeof p.b !== 'string' || !rec.success) return { ok: false, reason: 'schema' };
  return { ok: true, value: { bootId: p.b, record: rec.data } };
}
