/**
 * The spool's lines and file names in the lean build: the line format and its decoding are the
 * Node build's (device-reporter/spool/line-format.ts); segments `seg-<firstSeq, 16 digits>.log`
 * as segment-files.ts names them.
 */
import type { ReportRecord } from '../../../../contract/index.ts';
import { decodeLineWith, encodeLineWith, type LinePlatform } from '../../../spool/line-format.ts';
import { crc32 } from '../platform/crc32.ts';
import { decodeJson } from '../platform/json-decode.ts';
import { encodeJson } from '../platform/json-encode.ts';

export interface LeanSpoolEntry {
  seq: number;
  bootId: string;
  type: ReportRecord['type'];
  timeMs: number;
  iface?: string;
  /** The record's JSON text as it stands in the line (sent as is). */
  json: string;
  bytes: number;
}

const LUA_LINE: LinePlatform = {
  crc32: (text) => crc32(text),
  quote: (text) => encodeJson(text),
  parse: (text) => decodeJson(text).value,
};

export function encodeLine(bootId: string, recordJson: string): string {
  return encodeLineWith(LUA_LINE, bootId, recordJson);
}

/** One line (without its newline) back into an entry (line-format.ts); undefined when damaged. */
export function decodeLine(line: string): LeanSpoolEntry | undefined {
  const d = decodeLineWith(LUA_LINE, line);
  if (!d.ok) return undefined;
  const r = d.record;
  if (typeof r.seq !== 'number' || typeof r.timeMs !== 'number') return undefined;
  if (r.type !== 'sample' && r.type !== 'transition' && r.type !== 'policy') return undefined;
  const iface = typeof r.iface === 'string' ? r.iface : undefined;
  return entryOf(d.bootId, r.type, r.seq, r.timeMs, iface, d.recordJson ?? encodeJson(r));
}

function entryOf(
  bootId: string,
  type: ReportRecord['type'],
  seq: number,
  timeMs: number,
  iface: string | undefined,
  json: string,
): LeanSpoolEntry {
  const e: LeanSpoolEntry = { seq, bootId, type, timeMs, json, bytes: encodeLine(bootId, json).length };
  if (type !== 'policy' && iface !== undefined) e.iface = iface;
  return e;
}

export function segmentName(firstSeq: number): string {
  return `seg-${string.format('%016d', firstSeq)}.log`;
}

export function segmentFirstSeq(name: string): number | undefined {
  if (name.length !== 24 || !name.startsWith('seg-') || !name.endsWith('.log')) return undefined;
  const digits = name.slice(4, 20);
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return tonumber(digits);
}
