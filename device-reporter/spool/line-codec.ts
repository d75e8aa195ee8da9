import * as zlib from 'node:zlib';
import { reportRecordSchema, type ReportRecord } from '../../contract/index.ts';
import { decodeLineWith, encodeLineWith, type LinePlatform } from './line-format.ts';

/**
 * One spool line (format and decoding shared with the lean build: line-format.ts), with the
 * record checked against the wire contract before the Node build uploads it.
 */
export interface SpooledRecord {
  bootId: string;
  record: ReportRecord;
}

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

const NODE_LINE: LinePlatform = {
  crc32: (text) => crc32(text),
  quote: (text) => JSON.stringify(text),
  parse: (text) => JSON.parse(text) as unknown,
};

export function encodeLine(bootId: string, recordJson: string): string {
  return encodeLineWith(NODE_LINE, bootId, recordJson);
}

export type DecodeResult = { ok: true; value: SpooledRecord } | { ok: false; reason: 'checksum' | 'format' | 'schema' };

/** Decodes one line without its trailing newline (line-format.ts), then checks the record. Never throws. */
export function decodeLine(line: string): DecodeResult {
  const d = decodeLineWith(NODE_LINE, line);
  if (!d.ok) return d;
  const rec = reportRecordSchema.safeParse(d.record);
  if (!rec.success) return { ok: false, reason: 'schema' };
  return { ok: true, value: { bootId: d.bootId, record: rec.data } };
}
